package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.config.JwksSource;
import dev.agentgateway.config.TrustedIssuerConfig;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trusted issuers whose keys come from a local JWK set file. */
class FileJwksTest {

    private static final String ISSUER = "https://idp.example.test";
    private static final String AUDIENCE = "agent-gateway";

    @TempDir
    Path directory;

    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private Path file;
    private ECKey key1;
    private ECKey key2;
    private TrustedIssuers issuers;

    @BeforeEach
    void writeFile() throws Exception {
        key1 = new ECKeyGenerator(Curve.P_256).keyID("key-1").generate();
        key2 = new ECKeyGenerator(Curve.P_256).keyID("key-2").generate();
        file = directory.resolve("idp-jwks.json");
        Files.writeString(file, jwks(key1));
        TrustedIssuerConfig config = new TrustedIssuerConfig(ISSUER, new JwksSource.FromFile(file), Set.of(AUDIENCE),
                Set.of("ES256"), Set.of("JWT", ""));
        issuers = TrustedIssuers.create(List.of(config), "http://127.0.0.1:1", clock, Duration.ofSeconds(5));
    }

    @Test
    void changedFileSwapsKeys() throws Exception {
        assertThat(verify(token(key1)).getSubject()).isEqualTo("alice");

        replace(jwks(key2));
        clock.advance(Duration.ofSeconds(1));

        assertThat(verify(token(key2)).getSubject()).isEqualTo("alice");
        assertThatThrownBy(() -> verify(token(key1))).isInstanceOf(OAuthException.class);
    }

    @Test
    void changeSeenAfterCheckInterval() throws Exception {
        replace(jwks(key2));

        assertThatThrownBy(() -> verify(token(key2))).as("within a second of the last check")
                .isInstanceOf(OAuthException.class);
        clock.advance(Duration.ofSeconds(1));
        assertThat(verify(token(key2)).getSubject()).isEqualTo("alice");
    }

    @Test
    void corruptFileKeepsKeysAndLogsOnce() throws Exception {
        try (LogCapture log = new LogCapture(FileJwks.class)) {
            replace("{\"keys\": [");
            for (int i = 0; i < 3; i++) {
                clock.advance(Duration.ofSeconds(1));
                assertThat(verify(token(key1)).getSubject()).isEqualTo("alice");
            }

            assertThat(log.messages(Level.ERROR)).hasSize(1);
            assertThat(log.messages(Level.ERROR).get(0)).contains(file.toString()).contains("not a valid JWK set");

            replace("not json either");
            clock.advance(Duration.ofSeconds(1));
            assertThat(verify(token(key1)).getSubject()).isEqualTo("alice");
            assertThat(log.messages(Level.ERROR)).as("one error per bad version").hasSize(2);
        }
    }

    @Test
    void deletedFileKeepsKeys() throws Exception {
        Files.delete(file);
        clock.advance(Duration.ofSeconds(1));

        assertThat(verify(token(key1)).getSubject()).isEqualTo("alice");
    }

    @Test
    void fixedFileLoadsAfterCorruptOne() throws Exception {
        replace("{\"keys\": [");
        clock.advance(Duration.ofSeconds(1));
        verify(token(key1));

        replace(jwks(key1, key2));
        clock.advance(Duration.ofSeconds(1));

        assertThat(verify(token(key2)).getSubject()).isEqualTo("alice");
    }

    /** Replaces the file the way deployment tools do: write a new file, then move it over the old one. */
    private void replace(String content) throws IOException {
        Path temporary = directory.resolve("idp-jwks.json.tmp");
        Files.writeString(temporary, content);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private JWTClaimsSet verify(String token) throws OAuthException {
        return issuers.verify(token, "subject token", OAuthErrorCode.INVALID_REQUEST);
    }

    private String token(ECKey key) throws Exception {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject("alice")
                .audience(AUDIENCE)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(600)))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
                .keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static String jwks(ECKey... keys) {
        return new JWKSet(List.<JWK>of(keys)).toPublicJWKSet().toString();
    }
}
