package dev.agentgateway.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DPoPChallengeTest {

    static final Set<String> ALGORITHMS = new LinkedHashSet<>(List.of("ES256", "RS256"));

    @Test
    void challengeWithoutError() {
        assertThat(DPoPChallenge.header(null, ALGORITHMS)).isEqualTo("DPoP algs=\"ES256 RS256\"");
    }

    @Test
    void challengeWithError() {
        OAuthException error = new OAuthException(OAuthErrorCode.INVALID_TOKEN, "access token rejected: Expired JWT");

        assertThat(DPoPChallenge.header(error, ALGORITHMS)).isEqualTo("DPoP algs=\"ES256 RS256\", "
                + "error=\"invalid_token\", error_description=\"access token rejected: Expired JWT\"");
    }

    @Test
    void descriptionSanitized() {
        OAuthException error = new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF,
                "aud \"x\"\r\nSet-Cookie: a=b \\ caf\u00e9\u0000");

        String header = DPoPChallenge.header(error, ALGORITHMS);

        assertThat(header).doesNotContain("\r", "\n", "\u0000", "\\", "\u00e9");
        assertThat(header).endsWith("error_description=\"aud 'x'  Set-Cookie: a=b  caf  \"");
    }

    @Test
    void descriptionCapped() {
        OAuthException error = new OAuthException(OAuthErrorCode.INVALID_TOKEN, "x".repeat(5000));

        String header = DPoPChallenge.header(error, ALGORITHMS);

        assertThat(header).contains("\"" + "x".repeat(DPoPChallenge.MAX_DESCRIPTION_LENGTH) + "\"");
    }

    @Test
    void invalidAlgorithmNamesDropped() {
        Set<String> algorithms = new LinkedHashSet<>(List.of("ES256", "bad\"alg", "PS256"));

        assertThat(DPoPChallenge.header(null, algorithms)).isEqualTo("DPoP algs=\"ES256 PS256\"");
    }
}
