package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.GATEWAY_AUDIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Subject tokens that also name an audience the gateway does not trust. OpenID Connect Core 1.0 §3.1.3.7 step 3
 * requires a relying party to reject an ID token that "contains additional audiences not trusted by the Client",
 * because any of those other relying parties has the same token and could exchange it at this gateway.
 */
class UntrustedAudienceTest {

    @TempDir
    Path directory;

    Fixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new Fixture(directory);
    }

    private TokenExchangeResult exchange(String subjectToken) throws OAuthException {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(subjectToken));
        return fixture.exchange().exchange(fixture.request(form));
    }

    @Test
    void gatewayAudienceAloneAccepted() throws Exception {
        String token = Fixture.sign(fixture.idpKey, JOSEObjectType.JWT,
                fixture.subjectClaims().audience(GATEWAY_AUDIENCE).build());

        assertThat(exchange(token).principal().subject()).isEqualTo("alice");
    }

    @Test
    void extraUntrustedAudienceRejected() {
        String token = Fixture.sign(fixture.idpKey, JOSEObjectType.JWT,
                fixture.subjectClaims().audience(List.of(GATEWAY_AUDIENCE, "other-relying-party")).build());

        assertThatThrownBy(() -> exchange(token))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).as(e.getMessage()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
                    assertThat(e.description()).contains("aud");
                });
    }
}
