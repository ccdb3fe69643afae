package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.ORIGIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.agentgateway.token.internal.DPoPProofVerifier;
import dev.agentgateway.token.internal.GatewayJwsVerifierFactory;
import dev.agentgateway.token.internal.ManualClock;
import dev.agentgateway.token.internal.ProofReplayCache;
import dev.agentgateway.token.internal.ProofWindow;
import java.net.URI;
import java.security.Key;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The verified-token cache of {@link AccessTokenAuthenticator}. Token signature checks are counted through the
 * processor's verifier factory, which creates one verifier per check. The proof's signature is checked by
 * oauth2-oidc-sdk's own verifiers, so it is not counted.
 */
class VerifiedTokenCacheTest {

    static final Duration MAX_PROOF_AGE = Duration.ofSeconds(60);

    /** Counts the signature verifiers that the token processor creates. */
    static final class CountingFactory implements JWSVerifierFactory {

        final AtomicInteger created = new AtomicInteger();
        private final GatewayJwsVerifierFactory delegate = new GatewayJwsVerifierFactory();

        @Override
        public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
            created.incrementAndGet();
            return delegate.createJWSVerifier(header, key);
        }

        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            return delegate.supportedJWSAlgorithms();
        }

        @Override
        public JCAContext getJCAContext() {
            return delegate.getJCAContext();
        }
    }

    /** Whole seconds, near the system clock, which oauth2-oidc-sdk also checks proofs against. */
    Instant start;
    ManualClock clock;
    ECKey gatewayKey;
    final AtomicReference<JWKSet> gatewayKeys = new AtomicReference<>();
    ECKey proofKey;
    CountingFactory signatureChecks;

    @BeforeEach
    void setUp() throws Exception {
        start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        clock = new ManualClock(start);
        gatewayKey = Fixture.ecKey("gateway-1");
        gatewayKeys.set(new JWKSet(gatewayKey.toPublicJWK()));
        proofKey = Fixture.ecKey(null);
        signatureChecks = new CountingFactory();
    }

    AccessTokenAuthenticator authenticator(long cacheSize, Duration skew) {
        DPoPProofVerifier proofs = new DPoPProofVerifier(MAX_PROOF_AGE, skew, new ProofReplayCache(
                new ProofWindow(MAX_PROOF_AGE, skew), 1000, clock), clock);
        return new AccessTokenAuthenticator(ORIGIN, gatewayKeys::get, proofs, skew, clock,
                Map.of(), cacheSize, signatureChecks);
    }

    AccessTokenAuthenticator authenticator(long cacheSize) {
        return authenticator(cacheSize, Duration.ofSeconds(5));
    }

    /** Returns a token for {@code tool} that expires {@code lifetimeLeft} after the start and lived 280 s before. */
    String token(String tool, Duration lifetimeLeft) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ORIGIN)
                .subject("alice")
                .audience(tool)
                .issueTime(Date.from(start.minusSeconds(280)))
                .expirationTime(Date.from(start.plus(lifetimeLeft)))
                .jwtID(UUID.randomUUID().toString())
                .claim("cnf", Map.of("jkt", proofKey.computeThumbprint().toString()))
                .claim("scope", "read")
                .claim("subject_issuer", Fixture.IDP)
                .build();
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("at+jwt"))
                .keyID(gatewayKey.getKeyID()).build();
        return Fixture.sign(header, claims, gatewayKey);
    }

    String token(String tool) throws Exception {
        return token(tool, Duration.ofSeconds(20));
    }

    static URI uri(String tool) {
        return URI.create(ORIGIN + "/tools/" + tool + "/items");
    }

    /** Calls {@code tool} with {@code token} and a fresh proof, dated at the start so the SDK accepts it. */
    VerifiedCall call(AccessTokenAuthenticator authenticator, String token, String tool) throws OAuthException {
        String proof = Fixture.proof(proofKey, "GET", uri(tool).toString(), start, token);
        return authenticator.authenticate("GET", uri(tool), tool, List.of("DPoP " + token), List.of(proof))
                .orElseThrow();
    }

    void assertRejected(ThrowingCall call, OAuthErrorCode code, String described) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
                    assertThat(e.description()).contains(described);
                });
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void secondUseSkipsTokenSignature() throws Exception {
        AccessTokenAuthenticator authenticator = authenticator(100);
        String token = token("ops");

        VerifiedCall first = call(authenticator, token, "ops");
        VerifiedCall second = call(authenticator, token, "ops");
        VerifiedCall third = call(authenticator, token, "ops");

        assertThat(signatureChecks.created).hasValue(1);
        assertThat(second.tokenId()).isEqualTo(first.tokenId());
        assertThat(third.proofId()).isNotEqualTo(second.proofId());
    }

    @Test
    void withdrawnKeyEmptiesCache() throws Exception {
        AccessTokenAuthenticator authenticator = authenticator(100);
        String token = token("ops");
        call(authenticator, token, "ops");

        gatewayKeys.set(new JWKSet(Fixture.ecKey("gateway-2").toPublicJWK()));

        assertThatThrownBy(() -> call(authenticator, token, "ops"))
                .isInstanceOfSatisfying(OAuthException.class,
                        e -> assertThat(e.code()).isEqualTo(OAuthErrorCode.INVALID_TOKEN));
        assertThat(signatureChecks.created).hasValue(1);
    }

    @Test
    void cacheOffAtZero() throws Exception {
        AccessTokenAuthenticator authenticator = authenticator(0);
        String token = token("ops");

        call(authenticator, token, "ops");
        call(authenticator, token, "ops");

        assertThat(signatureChecks.created).hasValue(2);
    }

    @Test
    void proofStillVerifiedOnHit() throws Exception {
        AccessTokenAuthenticator authenticator = authenticator(100);
        String token = token("ops");
        String proof = Fixture.proof(proofKey, "GET", uri("ops").toString(), start, token);
        authenticator.authenticate("GET", uri("ops"), "ops", List.of("DPoP " + token), List.of(proof));
        String otherKeyProof = Fixture.proof(Fixture.ecKey(null), "GET", uri("ops").toString(), start, token);
        String otherTokenProof = Fixture.proof(proofKey, "GET", uri("ops").toString(), start, token("ops"));

        assertRejected(() -> authenticator.authenticate("GET", uri("ops"), "ops", List.of("DPoP " + token),
                List.of(proof)), OAuthErrorCode.INVALID_DPOP_PROOF, "already been used");
        assertRejected(() -> authenticator.authenticate("GET", uri("ops"), "ops", List.of("DPoP " + token),
                List.of(otherKeyProof)), OAuthErrorCode.INVALID_TOKEN, "does not match the DPoP proof key");
        assertRejected(() -> authenticator.authenticate("GET", uri("ops"), "ops", List.of("DPoP " + token),
                List.of(otherTokenProof)), OAuthErrorCode.INVALID_DPOP_PROOF, "ath does not match");
        assertThat(signatureChecks.created).hasValue(1);
    }

    /** A token verified for one tool is a hit for another, and the hit must still check {@code aud}. */
    @Test
    void audienceCheckedOnHit() throws Exception {
        AccessTokenAuthenticator authenticator = authenticator(100);
        String token = token("ops");
        call(authenticator, token, "ops");

        assertRejected(() -> call(authenticator, token, "files"), OAuthErrorCode.INVALID_TOKEN, "aud");
        assertThat(signatureChecks.created).as("rejected from the cache").hasValue(1);
        assertThat(call(authenticator, token, "ops").scopes()).containsExactly("read");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 5})
    void expiryBoundaryHonoured(long skewSeconds) throws Exception {
        AccessTokenAuthenticator authenticator = authenticator(100, Duration.ofSeconds(skewSeconds));
        String token = token("ops", Duration.ofSeconds(10));
        Instant expiry = start.plusSeconds(10);
        call(authenticator, token, "ops");

        clock.set(expiry.minusSeconds(1));
        call(authenticator, token, "ops");
        assertThat(signatureChecks.created).as("hit one second before exp").hasValue(1);

        clock.set(expiry.plusSeconds(skewSeconds).minusSeconds(1));
        call(authenticator, token, "ops");

        clock.set(expiry.plusSeconds(skewSeconds));
        assertRejected(() -> call(authenticator, token, "ops"), OAuthErrorCode.INVALID_TOKEN, "Expired");
    }

    @Test
    void onlySuccessesRemembered() throws Exception {
        AccessTokenAuthenticator authenticator = authenticator(100);
        String token = token("ops");
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + token("ops").substring(
                token.lastIndexOf('.') + 1);

        assertRejected(() -> call(authenticator, token, "files"), OAuthErrorCode.INVALID_TOKEN, "aud");
        assertRejected(() -> call(authenticator, forged, "ops"), OAuthErrorCode.INVALID_TOKEN, "signature");
        assertRejected(() -> call(authenticator, forged, "ops"), OAuthErrorCode.INVALID_TOKEN, "signature");
        call(authenticator, token, "ops");

        assertThat(signatureChecks.created).hasValue(4);
    }

    @Test
    void invalidationForgetsTokens() throws Exception {
        AccessTokenAuthenticator authenticator = authenticator(100);
        String token = token("ops");
        call(authenticator, token, "ops");

        authenticator.invalidateVerifiedTokens();
        call(authenticator, token, "ops");

        assertThat(signatureChecks.created).hasValue(2);
    }

    /** With room for one token, two tokens used in turn cannot both stay remembered. */
    @Test
    void sizeBounded() throws Exception {
        AccessTokenAuthenticator authenticator = authenticator(1);
        String first = token("ops");
        String second = token("ops");
        call(authenticator, first, "ops");
        call(authenticator, second, "ops");

        call(authenticator, first, "ops");
        call(authenticator, second, "ops");

        assertThat(signatureChecks.created.get()).isGreaterThanOrEqualTo(3);
    }
}
