package dev.agentgateway.gateway.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SampleIdentityProviderTest {

    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    private static final String ISSUER = "https://idp.test.invalid";

    private final SampleIdentityProvider idp = SampleIdentityProvider.create(ISSUER, Clock.fixed(NOW,
            ZoneOffset.UTC));

    @Test
    void tokenVerifiesAgainstPublishedJwks() throws Exception {
        String token = idp.idToken("alice").sign();

        JWTClaimsSet claims = processorFor(idp.publicJwksJson()).process(token, null);

        assertThat(claims.getSubject()).isEqualTo("alice");
    }

    @Test
    void tokenHeaderNamesTypeAlgorithmAndKey() throws Exception {
        SignedJWT jwt = SignedJWT.parse(idp.idToken("alice").sign());

        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(idp.keyId());
        assertThat(jwt.getHeader().getJWK()).isNull();
    }

    @Test
    void tokenCarriesBuilderClaims() throws Exception {
        Instant login = NOW.minusSeconds(90);
        String token = idp.idToken("oncall-olivia")
                .audience("gateway-test")
                .groups("oncall", "sre")
                .amr("pwd", "hwk")
                .acr("phrh")
                .authTime(login)
                .lifetime(Duration.ofMinutes(5))
                .tokenId("id-1")
                .mayAct("agent:incident-assistant")
                .sign();

        JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();

        assertThat(claims.getIssuer()).isEqualTo(ISSUER);
        assertThat(claims.getSubject()).isEqualTo("oncall-olivia");
        assertThat(claims.getAudience()).containsExactly("gateway-test");
        assertThat(claims.getIssueTime()).isEqualTo(Date.from(NOW));
        assertThat(claims.getExpirationTime()).isEqualTo(Date.from(NOW.plus(Duration.ofMinutes(5))));
        assertThat(claims.getJWTID()).isEqualTo("id-1");
        assertThat(claims.getStringListClaim("groups")).containsExactly("oncall", "sre");
        assertThat(claims.getStringListClaim("amr")).containsExactly("pwd", "hwk");
        assertThat(claims.getStringClaim("acr")).isEqualTo("phrh");
        assertThat(claims.getLongClaim("auth_time")).isEqualTo(login.getEpochSecond());
        assertThat(claims.getJSONObjectClaim("may_act"))
                .isEqualTo(Map.of("iss", ISSUER, "sub", "agent:incident-assistant"));
    }

    @Test
    void tokenDefaults() throws Exception {
        JWTClaimsSet claims = SignedJWT.parse(idp.idToken("alice").sign()).getJWTClaimsSet();

        assertThat(claims.getAudience()).containsExactly(SampleIdentityProvider.DEFAULT_AUDIENCE);
        assertThat(claims.getExpirationTime()).isEqualTo(Date.from(NOW.plus(SampleIdentityProvider.DEFAULT_LIFETIME)));
        assertThat(claims.getStringListClaim("groups")).isEmpty();
        assertThat(claims.getStringListClaim("amr")).containsExactly("pwd");
        assertThat(claims.getLongClaim("auth_time")).isEqualTo(NOW.getEpochSecond());
        assertThat(claims.getJWTID()).isNotBlank();
        assertThat(claims.getClaim("acr")).isNull();
        assertThat(claims.getClaim("may_act")).isNull();
    }

    @Test
    void tokenIdsDifferPerToken() throws Exception {
        String first = SignedJWT.parse(idp.idToken("alice").sign()).getJWTClaimsSet().getJWTID();
        String second = SignedJWT.parse(idp.idToken("alice").sign()).getJWTClaimsSet().getJWTID();

        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void tokenRejectedByOtherProvidersKeys() {
        SampleIdentityProvider other = SampleIdentityProvider.create(ISSUER, Clock.fixed(NOW, ZoneOffset.UTC));
        String token = idp.idToken("alice").sign();

        assertThatThrownBy(() -> processorFor(other.publicJwksJson()).process(token, null))
                .isInstanceOf(BadJOSEException.class);
    }

    @Test
    void publishedJwksHoldsOnlyPublicKey() throws Exception {
        JWKSet jwks = JWKSet.parse(idp.publicJwksJson());

        assertThat(jwks.getKeys()).hasSize(1);
        JWK key = jwks.getKeys().get(0);
        assertThat(key.isPrivate()).isFalse();
        assertThat(key.getKeyID()).isEqualTo(idp.keyId());
        assertThat(key.getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(idp.publicJwksJson()).doesNotContain("\"d\"");
    }

    @Test
    void lifetimeMustBePositive() {
        assertThatThrownBy(() -> idp.idToken("alice").lifetime(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT0S");
    }

    private static DefaultJWTProcessor<SecurityContext> processorFor(String jwksJson) throws Exception {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.ES256,
                new ImmutableJWKSet<>(JWKSet.parse(jwksJson))));
        // The fixed issue time lies in the past, so expiry is not checked here.
        processor.setJWTClaimsSetVerifier((claims, context) -> { });
        return processor;
    }
}
