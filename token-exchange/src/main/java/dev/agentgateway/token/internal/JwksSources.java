package dev.agentgateway.token.internal;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import dev.agentgateway.config.JwksSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds key sources for trusted issuers' JWK sets. Only keys meant for signatures are kept: a key whose
 * {@code use} is absent or {@code sig}. Keys with another {@code use} and keys published with private members are
 * dropped.
 */
public final class JwksSources {

    static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    static final int READ_TIMEOUT_MILLIS = 3_000;
    static final int MAX_JWKS_BYTES = 256 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(JwksSources.class);

    private JwksSources() {
    }

    /**
     * Returns a key source for {@code source}. Inline and file key sets are read now, and a file is read again
     * when it changes. A URL is first fetched when a token needs a key, then cached.
     *
     * @param issuer issuer the keys belong to, for error messages and logs
     * @param clock clock for cache lifetimes and for pacing the checks for a changed file
     * @throws IOException when an inline or file key set cannot be read or parsed
     */
    public static JWKSource<SecurityContext> create(String issuer, JwksSource source, Clock clock)
            throws IOException {
        if (source instanceof JwksSource.Inline inline) {
            return new ImmutableJWKSet<>(parse(issuer, "inline jwks", inline.json()));
        }
        if (source instanceof JwksSource.FromFile file) {
            return FileJwks.load(issuer, file.path(), clock);
        }
        return new RemoteJwks(issuer, (JwksSource.FromUrl) source, new NoRedirectRetriever(), clock);
    }

    /**
     * Parses a JWK set and keeps its signature keys.
     *
     * @param origin where the text came from, for example {@code jwks file /etc/idp.json}
     * @throws IOException when the text is not a JWK set
     */
    static JWKSet parse(String issuer, String origin, String json) throws IOException {
        try {
            return signatureKeys(issuer, origin, JWKSet.parse(json));
        } catch (ParseException e) {
            throw new IOException("trusted issuer " + issuer + ": " + origin + " is not a valid JWK set: "
                    + e.getMessage());
        }
    }

    /** Reads at most {@link #MAX_JWKS_BYTES} of a JWK set file as UTF-8. */
    static String readBounded(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes(MAX_JWKS_BYTES + 1);
            if (bytes.length > MAX_JWKS_BYTES) {
                throw new IOException("jwks file " + path + " is larger than " + MAX_JWKS_BYTES + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static JWKSet signatureKeys(String issuer, String origin, JWKSet keys) {
        List<JWK> eligible = new ArrayList<>();
        for (JWK key : keys.getKeys()) {
            boolean signature = key.getKeyUse() == null || KeyUse.SIGNATURE.equals(key.getKeyUse());
            if (key.isPrivate()) {
                LOG.warn("Trusted issuer {}: {} publishes a private key (kid {}); the key is not used", issuer,
                        origin, key.getKeyID());
            } else if (signature) {
                eligible.add(key);
            }
        }
        return new JWKSet(eligible);
    }

    /** Fetches with bounded time and size, and does not follow redirects away from the configured URL. */
    static final class NoRedirectRetriever extends DefaultResourceRetriever {

        NoRedirectRetriever() {
            super(CONNECT_TIMEOUT_MILLIS, READ_TIMEOUT_MILLIS, MAX_JWKS_BYTES);
        }

        @Override
        protected HttpURLConnection openHTTPConnection(URL url) throws IOException {
            HttpURLConnection connection = super.openHTTPConnection(url);
            connection.setInstanceFollowRedirects(false);
            return connection;
        }
    }
}
