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
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.JWKGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.agentgateway.config.JwksSource;
import dev.agentgateway.config.TrustedIssuerConfig;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Trusted issuers whose keys come from a JWKS URL, served by an identity provider on loopback. */
class RemoteJwksTest {

    private static final String AUDIENCE = "agent-gateway";
    private static final Duration LIFETIME = Duration.ofMinutes(5);
    private static final Duration MIN_INTERVAL = Duration.ofSeconds(30);
    private static final Duration TOLERANCE = Duration.ofHours(1);

    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final AtomicInteger fetches = new AtomicInteger();
    private volatile String servedJwks;
    private volatile int servedStatus = 200;
    private HttpServer server;
    private String issuer;
    private ECKey key1;
    private ECKey key2;

    @BeforeEach
    void startIdentityProvider() throws Exception {
        key1 = ecKey("key-1");
        key2 = ecKey("key-2");
        servedJwks = jwks(key1);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks.json", exchange -> {
            fetches.incrementAndGet();
            byte[] body = servedJwks.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(servedStatus, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        issuer = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopIdentityProvider() {
        server.stop(0);
    }

    @Test
    void knownKidFetchesOncePerLifetime() throws Exception {
        TrustedIssuers issuers = issuers();

        verify(issuers, token(key1));
        verify(issuers, token(key1));
        clock.advance(LIFETIME.minusSeconds(1));
        verify(issuers, token(key1));
        assertThat(fetches).hasValue(1);

        clock.advance(Duration.ofSeconds(1));
        verify(issuers, token(key1));
        assertThat(fetches).hasValue(2);
    }

    @Test
    void unknownKidRefreshesOnce() throws Exception {
        TrustedIssuers issuers = issuers();
        verify(issuers, token(key1));
        servedJwks = jwks(key1, key2);
        clock.advance(MIN_INTERVAL);

        assertThat(verify(issuers, token(key2)).getSubject()).isEqualTo("alice");

        assertThat(fetches).hasValue(2);
    }

    @Test
    void randomKidsFetchAtMostOncePerInterval() throws Exception {
        TrustedIssuers issuers = issuers();
        verify(issuers, token(key1));

        ECKey signer = ecKey(null);
        for (int i = 0; i < 1000; i++) {
            rejected(issuers, token(new ECKey.Builder(signer).keyID(UUID.randomUUID().toString()).build()));
        }
        assertThat(fetches).as("fetches in the interval of the first fetch").hasValue(1);

        clock.advance(MIN_INTERVAL);
        for (int i = 0; i < 1000; i++) {
            rejected(issuers, token(new ECKey.Builder(signer).keyID(UUID.randomUUID().toString()).build()));
        }
        assertThat(fetches).as("fetches in the next interval").hasValue(2);
        assertThat(verify(issuers, token(key1)).getSubject()).isEqualTo("alice");
    }

    @Test
    void rotationAcceptsNewKeyAndOldUntilRemoved() throws Exception {
        TrustedIssuers issuers = issuers();
        verify(issuers, token(key1));
        servedJwks = jwks(key1, key2);
        clock.advance(MIN_INTERVAL);

        assertThat(verify(issuers, token(key2)).getSubject()).isEqualTo("alice");
        assertThat(verify(issuers, token(key1)).getSubject()).isEqualTo("alice");

        servedJwks = jwks(key2);
        clock.advance(Duration.ofSeconds(1));
        assertThat(verify(issuers, token(key1)).getSubject()).as("old key until the set is fetched again")
                .isEqualTo("alice");

        clock.advance(LIFETIME);
        assertThat(rejected(issuers, token(key1)).code()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
        assertThat(verify(issuers, token(key2)).getSubject()).isEqualTo("alice");
        assertThat(fetches).hasValue(3);
    }

    @Test
    void outageUsesCachedKeysWithinTolerance() throws Exception {
        TrustedIssuers issuers = issuers();
        verify(issuers, token(key1));

        try (LogCapture log = new LogCapture(RemoteJwks.class)) {
            servedStatus = 503;
            clock.advance(LIFETIME);
            assertThat(verify(issuers, token(key1)).getSubject()).isEqualTo("alice");
            clock.advance(TOLERANCE.minusSeconds(1));
            assertThat(verify(issuers, token(key1)).getSubject()).isEqualTo("alice");
            assertThat(log.messages(Level.ERROR)).isEmpty();

            clock.advance(Duration.ofSeconds(1));
            for (int i = 0; i < 5; i++) {
                OAuthException rejection = rejected(issuers, token(key1));
                assertThat(rejection.code()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
                assertThat(rejection.description()).contains("could not be fetched").contains(issuer);
            }

            assertThat(log.messages(Level.WARN)).hasSize(1);
            assertThat(log.messages(Level.ERROR)).hasSize(1);
            assertThat(log.messages(Level.ERROR).get(0)).contains(issuer + "/jwks.json");
        }
    }

    @Test
    void outageEndsWhenFetchSucceeds() throws Exception {
        TrustedIssuers issuers = issuers();
        verify(issuers, token(key1));
        servedStatus = 500;
        clock.advance(LIFETIME.plus(TOLERANCE));
        rejected(issuers, token(key1));

        servedStatus = 200;
        clock.advance(MIN_INTERVAL);

        assertThat(verify(issuers, token(key1)).getSubject()).isEqualTo("alice");
    }

    @Test
    void stoppedServerUsesCachedKeysThenFails() throws Exception {
        TrustedIssuers issuers = issuers();
        verify(issuers, token(key1));
        server.stop(0);

        clock.advance(LIFETIME.plusSeconds(1));
        assertThat(verify(issuers, token(key1)).getSubject()).isEqualTo("alice");

        clock.advance(TOLERANCE);
        assertThat(rejected(issuers, token(key1)).description()).contains("could not be fetched");
    }

    @Test
    void neverFetchedKeysFail() throws Exception {
        servedStatus = 404;
        TrustedIssuers issuers = issuers();

        assertThat(rejected(issuers, token(key1)).code()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
        rejected(issuers, token(key1));

        assertThat(fetches).hasValue(1);
    }

    @Test
    void redirectNotFollowed() throws Exception {
        AtomicInteger redirected = new AtomicInteger();
        server.createContext("/moved", exchange -> {
            exchange.getResponseHeaders().set("Location", issuer + "/jwks.json");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        fetches.set(0);
        TrustedIssuers issuers = TrustedIssuers.create(List.of(issuerConfig("/moved")), "http://127.0.0.1:1", clock,
                Duration.ofSeconds(5));

        rejected(issuers, token(key1));

        assertThat(fetches).as("fetches of the redirect target").hasValue(0);
    }

    @Test
    void oversizedSetRejected() throws Exception {
        servedJwks = jwks(key1).replace("]}", "]" + ",\"pad\":\"" + "x".repeat(JwksSources.MAX_JWKS_BYTES) + "\"}");
        TrustedIssuers issuers = issuers();

        assertThat(rejected(issuers, token(key1)).code()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
    }

    @Test
    void encryptionAndPrivateKeysIgnored() throws Exception {
        ECKey encryption = new ECKey.Builder(ecKey("enc-1")).keyUse(KeyUse.ENCRYPTION).build();
        ECKey privateKey = ecKey("private-1");
        ECKey unmarked = new ECKeyGenerator(Curve.P_256).keyID("plain-1").generate();
        servedJwks = new JWKSet(List.<JWK>of(encryption.toPublicJWK(), unmarked.toPublicJWK(), privateKey))
                .toString(false);
        TrustedIssuers issuers = issuers();

        assertThat(verify(issuers, token(unmarked)).getSubject()).isEqualTo("alice");
        assertThat(rejected(issuers, token(encryption)).code()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
        assertThat(rejected(issuers, token(privateKey)).code()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
    }

    private TrustedIssuers issuers() throws Exception {
        return TrustedIssuers.create(List.of(issuerConfig("/jwks.json")), "http://127.0.0.1:1", clock,
                Duration.ofSeconds(5));
    }

    private TrustedIssuerConfig issuerConfig(String path) {
        JwksSource source = new JwksSource.FromUrl(URI.create(issuer + path), LIFETIME, MIN_INTERVAL, TOLERANCE);
        return new TrustedIssuerConfig(issuer, source, Set.of(AUDIENCE), Set.of("ES256"), Set.of("JWT", ""));
    }

    private JWTClaimsSet verify(TrustedIssuers issuers, String token) throws OAuthException {
        return issuers.verify(token, "subject token", OAuthErrorCode.INVALID_REQUEST);
    }

    private OAuthException rejected(TrustedIssuers issuers, String token) {
        try {
            verify(issuers, token);
        } catch (OAuthException e) {
            return e;
        }
        throw new AssertionError("token accepted (expected: rejected)");
    }

    private String token(ECKey key) throws Exception {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
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

    private static ECKey ecKey(String keyId) throws Exception {
        JWKGenerator<ECKey> generator = new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE);
        return keyId == null ? generator.generate() : generator.keyID(keyId).generate();
    }

    private static String jwks(ECKey... keys) {
        return new JWKSet(List.<JWK>of(keys)).toPublicJWKSet().toString();
    }
}
