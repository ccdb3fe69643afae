package dev.agentgateway.token.internal;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import dev.agentgateway.config.JwksSource;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.text.ParseException;
import java.time.Duration;

/** Builds Nimbus key sources for trusted issuers' JWK sets. Only public keys are kept. */
public final class JwksSources {

    static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    static final int READ_TIMEOUT_MILLIS = 3_000;
    static final int MAX_JWKS_BYTES = 256 * 1024;
    static final Duration CACHE_TIME_TO_LIVE = Duration.ofMinutes(5);
    static final Duration CACHE_REFRESH_TIMEOUT = Duration.ofSeconds(5);
    /** Minimum time between two fetches, so tokens with unknown {@code kid}s cannot make the gateway flood the IdP. */
    static final Duration RATE_LIMIT_MIN_INTERVAL = Duration.ofSeconds(30);

    private JwksSources() {
    }

    /**
     * Returns a key source for {@code source}. Inline and file key sets are read now. A URL is first fetched when a
     * token needs a key, then cached.
     *
     * @param issuer issuer the keys belong to, for error messages
     * @throws IOException when an inline or file key set cannot be read or parsed
     */
    public static JWKSource<SecurityContext> create(String issuer, JwksSource source) throws IOException {
        if (source instanceof JwksSource.Inline inline) {
            return new ImmutableJWKSet<>(parse(issuer, "inline jwks", inline.json()));
        }
        if (source instanceof JwksSource.FromFile file) {
            String json = Files.readString(file.path(), StandardCharsets.UTF_8);
            return new ImmutableJWKSet<>(parse(issuer, "jwks file " + file.path(), json));
        }
        JwksSource.FromUrl url = (JwksSource.FromUrl) source;
        return fromUrl(url.url().toURL());
    }

    private static JWKSet parse(String issuer, String origin, String json) throws IOException {
        try {
            return JWKSet.parse(json).toPublicJWKSet();
        } catch (ParseException e) {
            throw new IOException("trusted issuer " + issuer + ": " + origin + " is not a valid JWK set: "
                    + e.getMessage());
        }
    }

    private static JWKSource<SecurityContext> fromUrl(URL url) {
        return JWKSourceBuilder.<SecurityContext>create(url, new NoRedirectRetriever())
                .cache(CACHE_TIME_TO_LIVE.toMillis(), CACHE_REFRESH_TIMEOUT.toMillis())
                .rateLimited(RATE_LIMIT_MIN_INTERVAL.toMillis())
                .retrying(false)
                .build();
    }

    /** Fetches with bounded time and size, and does not follow redirects away from the configured URL. */
    private static final class NoRedirectRetriever extends DefaultResourceRetriever {

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
