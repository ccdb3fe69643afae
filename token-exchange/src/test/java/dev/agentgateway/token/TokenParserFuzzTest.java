package dev.agentgateway.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.config.JwksSource;
import dev.agentgateway.config.TrustedIssuerConfig;
import dev.agentgateway.token.internal.CompactJws;
import dev.agentgateway.token.internal.TrustedIssuers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the parsing of untrusted compact JWS values: {@link CompactJws#parse} on its own and subject tokens
 * through {@link TrustedIssuers#verify}. Each input is the token as the bytes of a header or form value.
 */
@Timeout(10)
class TokenParserFuzzTest {

    private static final int MAX_LENGTH = 8 * 1024;

    private static Fixture issuersFixture;
    private static TrustedIssuers issuers;

    @FuzzTest
    void compactJws(byte[] input) {
        if (input.length > FuzzSupport.MAX_HEADER_SECTION) {
            return;
        }
        String value = new String(input, StandardCharsets.ISO_8859_1);
        try {
            SignedJWT jwt = CompactJws.parse(value, "test token", MAX_LENGTH, OAuthErrorCode.INVALID_GRANT);
            assertThat(jwt.getHeader().getAlgorithm()).isNotNull();
            assertThat(jwt.getSignature()).isNotNull();
        } catch (OAuthException e) {
            FuzzSupport.checkRejection(e, Set.of(OAuthErrorCode.INVALID_GRANT), List.of(value));
        }
    }

    @FuzzTest
    void subjectToken(byte[] input) {
        if (input.length > FuzzSupport.MAX_FORM_BODY) {
            return;
        }
        String token = new String(input, StandardCharsets.UTF_8);
        try {
            JWTClaimsSet claims = issuers().verify(token, "subject token", OAuthErrorCode.INVALID_REQUEST);
            assertThat(claims.getIssuer()).isEqualTo(Fixture.IDP);
        } catch (OAuthException e) {
            FuzzSupport.checkRejection(e, Set.of(OAuthErrorCode.INVALID_REQUEST), List.of(token));
        }
    }

    /** Returns issuers that trust the fixture's identity provider, rebuilt whenever the fixture is. */
    private static synchronized TrustedIssuers issuers() {
        Fixture fixture = FuzzSupport.fixture();
        if (fixture != issuersFixture) {
            TrustedIssuerConfig idp = new TrustedIssuerConfig(Fixture.IDP,
                    new JwksSource.Inline(new JWKSet(fixture.idpKey.toPublicJWK()).toString()),
                    Set.of(Fixture.GATEWAY_AUDIENCE), Set.of("ES256", "RS256"), Set.of("JWT", ""));
            try {
                issuers = TrustedIssuers.create(List.of(idp), Fixture.ORIGIN, fixture.clock, Duration.ofSeconds(5));
            } catch (IOException e) {
                throw new IllegalStateException("inline key set could not be read", e);
            }
            issuersFixture = fixture;
        }
        return issuers;
    }
}
