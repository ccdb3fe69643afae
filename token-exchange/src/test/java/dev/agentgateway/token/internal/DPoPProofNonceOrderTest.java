package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.config.DPoPNonceMode;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where the nonce check sits among the proof checks: a proof refused for its nonce is not recorded as used, and a
 * proof accepted with a nonce is.
 */
class DPoPProofNonceOrderTest {

    static final URI ENDPOINT = URI.create("http://127.0.0.1:8080/oauth2/token");

    Instant now;
    DPoPProofVerifier verifier;
    NonceRequirement required;
    ECKey key;

    @BeforeEach
    void setUp() throws Exception {
        // oauth2-oidc-sdk also checks iat against the system clock, so the fixed clock starts at the system time.
        now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        Duration maxAge = Duration.ofSeconds(60);
        Duration skew = Duration.ofSeconds(5);
        verifier = new DPoPProofVerifier(maxAge, skew, new ProofReplayCache(new ProofWindow(maxAge, skew), 1000, clock), clock);
        DPoPNonces nonces = new DPoPNonces(List.of("nonce-secret-0123456789abcdefghij".getBytes(
                StandardCharsets.UTF_8)), Duration.ofSeconds(30), clock);
        required = new NonceRequirement(DPoPNonceMode.REQUIRED, nonces);
        key = new ECKeyGenerator(Curve.P_256).generate();
    }

    String proof(String nonce) throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .jwtID(UUID.randomUUID().toString())
                .claim("htm", "POST")
                .claim("htu", ENDPOINT.toString())
                .issueTime(Date.from(now));
        if (nonce != null) {
            claims.claim("nonce", nonce);
        }
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("dpop+jwt"))
                .jwk(key.toPublicJWK()).build();
        SignedJWT jwt = new SignedJWT(header, claims.build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    @Test
    void nonceRejectionLeavesJtiUnused() throws Exception {
        String proof = proof(null);

        assertThatThrownBy(() -> verifier.verifyTokenRequest(proof, ENDPOINT, required))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.code())
                        .isEqualTo(OAuthErrorCode.USE_DPOP_NONCE));

        assertThat(verifier.verifyTokenRequest(proof, ENDPOINT, NonceRequirement.NONE).proofId()).isNotBlank();
    }

    @Test
    void forgedNonceLeavesJtiUnused() throws Exception {
        String proof = proof("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        assertThatThrownBy(() -> verifier.verifyTokenRequest(proof, ENDPOINT, required))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.code())
                        .isEqualTo(OAuthErrorCode.USE_DPOP_NONCE));

        assertThat(verifier.verifyTokenRequest(proof, ENDPOINT, NonceRequirement.NONE).proofId()).isNotBlank();
    }

    @Test
    void acceptedNonceProofIsSingleUse() throws Exception {
        String proof = proof(required.freshNonce().orElseThrow());

        assertThat(verifier.verifyTokenRequest(proof, ENDPOINT, required).dpopNonce()).isNull();

        assertThatThrownBy(() -> verifier.verifyTokenRequest(proof, ENDPOINT, required))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).isEqualTo(OAuthErrorCode.INVALID_DPOP_PROOF);
                    assertThat(e.description()).contains("already been used");
                });
    }

    @Test
    void freshNonceAttachedOnlyWhenModeIsOn() {
        OAuthException error = new OAuthException(OAuthErrorCode.INVALID_REQUEST, "x");

        assertThat(required.withFreshNonce(error).dpopNonce()).isPresent();
        assertThat(NonceRequirement.NONE.withFreshNonce(error).dpopNonce()).isEmpty();
        assertThat(required.withFreshNonce(error.withDPoPNonce("kept")).dpopNonce()).contains("kept");
    }
}
