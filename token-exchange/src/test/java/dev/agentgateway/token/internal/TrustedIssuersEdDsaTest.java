package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.config.JwksSource;
import dev.agentgateway.config.TrustedIssuerConfig;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An identity provider that signs with Ed25519, verified without Google Tink. */
class TrustedIssuersEdDsaTest {

    static final String ISSUER = "https://ed.example.test";
    static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    OctetKeyPair idpKey;
    TrustedIssuers issuers;

    @BeforeEach
    void setUp() throws Exception {
        idpKey = Ed25519JcaTest.generate("ed-idp-1");
        TrustedIssuerConfig config = new TrustedIssuerConfig(ISSUER, new JwksSource.Inline(
                new JWKSet(idpKey.toPublicJWK()).toString()), Set.of("agent-gateway"), Set.of("EdDSA"),
                Set.of("JWT"));
        issuers = TrustedIssuers.create(List.of(config), "http://127.0.0.1:8080", Clock.fixed(NOW, ZoneOffset.UTC),
                Duration.ofSeconds(5));
    }

    String token(OctetKeyPair key, JWSAlgorithm algorithm) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject("alice")
                .audience("agent-gateway")
                .issueTime(Date.from(NOW.minusSeconds(10)))
                .expirationTime(Date.from(NOW.plusSeconds(600)))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT)
                .keyID(key.getKeyID()).build(), claims);
        jwt.sign(new Ed25519JcaSigner(key));
        return jwt.serialize();
    }

    @Test
    void eddsaTokenVerified() throws Exception {
        assertThat(issuers.verify(token(idpKey, JWSAlgorithm.EdDSA), "subject token", OAuthErrorCode.INVALID_REQUEST)
                .getSubject()).isEqualTo("alice");
    }

    @Test
    void otherKeyRejected() throws Exception {
        String forged = token(Ed25519JcaTest.generate("ed-idp-1"), JWSAlgorithm.EdDSA);

        assertThatThrownBy(() -> issuers.verify(forged, "subject token", OAuthErrorCode.INVALID_REQUEST))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
                    assertThat(e.description()).contains("Invalid signature");
                });
    }

    @Test
    void signatureOfWrongLengthRejected() throws Exception {
        String token = token(idpKey, JWSAlgorithm.EdDSA);
        String truncated = token.substring(0, token.length() - 4);

        assertThatThrownBy(() -> issuers.verify(truncated, "subject token", OAuthErrorCode.INVALID_REQUEST))
                .isInstanceOf(OAuthException.class);
    }

    @Test
    void algorithmNotConfiguredRejected() throws Exception {
        assertThatThrownBy(() -> issuers.verify(token(idpKey, JWSAlgorithm.Ed25519), "subject token",
                OAuthErrorCode.INVALID_REQUEST)).isInstanceOf(OAuthException.class);
    }
}
