package dev.agentgateway.gateway.internal.agent;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentgateway.policy.Decision;
import dev.agentgateway.policy.MissingAuthority;
import dev.agentgateway.policy.PrincipalClass;
import dev.agentgateway.policy.StepUpChallenge;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import io.netty.handler.codec.http.FullHttpResponse;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProblemResponsesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void operatorDenialIs403ProblemDetails() throws Exception {
        Decision decision = new Decision(false, "ops-drain", MissingAuthority.OPERATOR_MODE,
                "draining a node requires operator mode", PrincipalClass.AUTHENTICATED, null, "abc");

        FullHttpResponse response = ProblemResponses.denied(decision, false, Set.of("ES256"), "req-1");
        try {
            JsonNode body = body(response);
            assertThat(response.status().code()).isEqualTo(403);
            assertThat(response.headers().get("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.headers().contains("WWW-Authenticate")).isFalse();
            assertThat(body.get("type").asText()).isEqualTo("https://agent-gateway.dev/problems/operator_mode");
            assertThat(body.get("title").asText()).isEqualTo("Operator mode required");
            assertThat(body.get("status").asInt()).isEqualTo(403);
            assertThat(body.get("detail").asText()).isEqualTo("draining a node requires operator mode");
            assertThat(body.get("instance").asText()).isEqualTo("req-1");
            assertThat(body.get("missing_authority").asText()).isEqualTo("operator_mode");
            assertThat(body.get("rule").asText()).isEqualTo("ops-drain");
            assertThat(body.get("request_id").asText()).isEqualTo("req-1");
        } finally {
            response.release();
        }
    }

    @Test
    void stepUpDenialIs401WithChallenge() throws Exception {
        Decision decision = new Decision(false, "ops-drain", MissingAuthority.STEP_UP,
                "login is older than 12 hours", PrincipalClass.AUTHENTICATED,
                new StepUpChallenge("phr", Duration.ofHours(12)), "abc");

        FullHttpResponse response = ProblemResponses.denied(decision, false, Set.of("ES256"), "req-2");
        try {
            assertThat(response.status().code()).isEqualTo(401);
            assertThat(response.headers().get("WWW-Authenticate")).isEqualTo(
                    "DPoP error=\"insufficient_user_authentication\", error_description=\"login is older than 12 "
                            + "hours\", acr_values=\"phr\", max_age=43200");
            assertThat(body(response).get("missing_authority").asText()).isEqualTo("step_up");
        } finally {
            response.release();
        }
    }

    @Test
    void anonymousNeedingAuthenticationIs401WithChallenge() throws Exception {
        Decision decision = new Decision(false, "ops-read", MissingAuthority.AUTHENTICATION,
                "GET queues requires authentication", PrincipalClass.ANONYMOUS, null, "abc");

        FullHttpResponse response = ProblemResponses.denied(decision, true, Set.of("ES256"), "req-5");
        try {
            assertThat(response.status().code()).isEqualTo(401);
            assertThat(response.headers().get("WWW-Authenticate")).isEqualTo("DPoP algs=\"ES256\"");
            assertThat(body(response).get("missing_authority").asText()).isEqualTo("authentication");
        } finally {
            response.release();
        }
    }

    @Test
    void anonymousWithoutRuleIs403WithoutChallenge() throws Exception {
        Decision decision = new Decision(false, null, MissingAuthority.RULE, "POST failover matches no rule.",
                PrincipalClass.ANONYMOUS, null, "abc");

        FullHttpResponse response = ProblemResponses.denied(decision, true, Set.of("ES256"), "req-6");
        try {
            assertThat(response.status().code()).isEqualTo(403);
            assertThat(response.headers().contains("WWW-Authenticate")).isFalse();
            assertThat(body(response).get("status").asInt()).isEqualTo(403);
            assertThat(body(response).get("missing_authority").asText()).isEqualTo("rule");
        } finally {
            response.release();
        }
    }

    @Test
    void stepUpChallengeOmitsAbsentParameters() {
        Decision decision = new Decision(false, null, MissingAuthority.STEP_UP, "say \"again\"",
                PrincipalClass.AUTHENTICATED, new StepUpChallenge(null, null), "abc");

        assertThat(ProblemResponses.stepUpChallenge(decision)).isEqualTo(
                "DPoP error=\"insufficient_user_authentication\", error_description=\"say \\\"again\\\"\"");
    }

    @Test
    void quotedStringReplacesControlCharacters() {
        assertThat(ProblemResponses.quotedString("a\r\nb\\")).isEqualTo("\"a  b\\\\\"");
    }

    @Test
    void denialWithoutRuleOmitsRuleMember() throws Exception {
        Decision decision = new Decision(false, null, MissingAuthority.RULE, "no rule allows DELETE",
                PrincipalClass.AUTHENTICATED, null, "abc");

        FullHttpResponse response = ProblemResponses.denied(decision, false, Set.of("ES256"), "req-3");
        try {
            assertThat(body(response).has("rule")).isFalse();
            assertThat(body(response).get("type").asText()).isEqualTo("https://agent-gateway.dev/problems/rule");
        } finally {
            response.release();
        }
    }

    @Test
    void auditUnavailableIs503WithoutMissingAuthority() throws Exception {
        FullHttpResponse response = ProblemResponses.auditUnavailable("req-4");
        try {
            JsonNode body = body(response);
            assertThat(response.status().code()).isEqualTo(503);
            assertThat(body.get("title").asText()).isEqualTo("Audit log unavailable");
            assertThat(body.has("missing_authority")).isFalse();
            assertThat(body.get("instance").asText()).isEqualTo("req-4");
        } finally {
            response.release();
        }
    }

    @Test
    void tokenErrorIsRfc6749Json() throws Exception {
        FullHttpResponse response = ProblemResponses.tokenError(
                new OAuthException(OAuthErrorCode.INVALID_GRANT, "subject token expired"));
        try {
            JsonNode body = body(response);
            assertThat(response.status().code()).isEqualTo(400);
            assertThat(response.headers().get("Content-Type")).isEqualTo("application/json");
            assertThat(response.headers().get("Cache-Control")).isEqualTo("no-store");
            assertThat(body.get("error").asText()).isEqualTo("invalid_grant");
            assertThat(body.get("error_description").asText()).isEqualTo("subject token expired");
            assertThat(body.size()).isEqualTo(2);
        } finally {
            response.release();
        }
    }

    @Test
    void tokenServerErrorIs500() {
        FullHttpResponse response = ProblemResponses.tokenError(
                new OAuthException(OAuthErrorCode.SERVER_ERROR, "signing failed"));
        try {
            assertThat(response.status().code()).isEqualTo(500);
        } finally {
            response.release();
        }
    }

    @Test
    void rejectionWithNonceCarriesNonce() throws Exception {
        OAuthException error = new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP proof iat too old")
                .withDPoPNonce("n-1");

        FullHttpResponse response = ProblemResponses.authenticationFailed(error, Set.of("ES256"), "req-7");
        try {
            assertThat(response.status().code()).isEqualTo(401);
            assertThat(response.headers().get("DPoP-Nonce")).isEqualTo("n-1");
            assertThat(response.headers().get("Cache-Control")).isEqualTo("no-store");
            assertThat(response.headers().get("WWW-Authenticate")).contains("error=\"invalid_dpop_proof\"");
        } finally {
            response.release();
        }
    }

    @Test
    void rejectionWithoutNonceOmitsNonce() {
        OAuthException error = new OAuthException(OAuthErrorCode.INVALID_TOKEN, "access token expired");

        FullHttpResponse response = ProblemResponses.authenticationFailed(error, Set.of("ES256"), "req-8");
        try {
            assertThat(response.headers().contains("DPoP-Nonce")).isFalse();
            assertThat(response.headers().contains("Cache-Control")).isFalse();
        } finally {
            response.release();
        }
    }

    @Test
    void useDPoPNonceAtResourceIs401Challenge() throws Exception {
        OAuthException error = new OAuthException(OAuthErrorCode.USE_DPOP_NONCE,
                "DPoP proof nonce missing (expected: the nonce of the latest DPoP-Nonce header)")
                .withDPoPNonce("eyJ7S_zG.eyJH0-Z.HX4w-7v");
        Set<String> algorithms = new LinkedHashSet<>(List.of("ES256", "PS256"));

        FullHttpResponse response = ProblemResponses.authenticationFailed(error, algorithms, "req-9");
        try {
            String challenge = response.headers().get("WWW-Authenticate");
            assertThat(response.status().code()).isEqualTo(401);
            assertThat(challenge).startsWith("DPoP ");
            assertThat(challenge).contains("error=\"use_dpop_nonce\"");
            assertThat(challenge).contains("error_description=\"DPoP proof nonce missing (expected: the nonce of "
                    + "the latest DPoP-Nonce header)\"");
            assertThat(challenge).contains("algs=\"ES256 PS256\"");
            assertThat(response.headers().get("DPoP-Nonce")).isEqualTo("eyJ7S_zG.eyJH0-Z.HX4w-7v");
            assertThat(response.headers().get("Cache-Control")).isEqualTo("no-store");
            assertThat(body(response).get("error").asText()).isEqualTo("use_dpop_nonce");
        } finally {
            response.release();
        }
    }

    @Test
    void replayCacheDownAtResourceIs503() throws Exception {
        OAuthException error = new OAuthException(OAuthErrorCode.TEMPORARILY_UNAVAILABLE,
                "DPoP proof replay check failed: replay cache unreachable");

        FullHttpResponse response = ProblemResponses.authenticationFailed(error, Set.of("ES256"), "req-10");
        try {
            JsonNode body = body(response);
            assertThat(response.status().code()).isEqualTo(503);
            assertThat(response.headers().get("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.headers().get("Retry-After")).isEqualTo("1");
            assertThat(response.headers().contains("WWW-Authenticate")).isFalse();
            assertThat(body.get("type").asText())
                    .isEqualTo("https://agent-gateway.dev/problems/replay_check_unavailable");
            assertThat(body.get("title").asText()).isEqualTo("Replay check unavailable");
            assertThat(body.get("status").asInt()).isEqualTo(503);
            assertThat(body.get("detail").asText())
                    .isEqualTo("DPoP proof replay check failed: replay cache unreachable");
            assertThat(body.get("request_id").asText()).isEqualTo("req-10");
            assertThat(body.has("missing_authority")).isFalse();
        } finally {
            response.release();
        }
    }

    @Test
    void replayCacheDownWithNonceCarriesNonce() {
        OAuthException error = new OAuthException(OAuthErrorCode.TEMPORARILY_UNAVAILABLE, "replay cache unreachable")
                .withDPoPNonce("n-2");

        FullHttpResponse response = ProblemResponses.authenticationFailed(error, Set.of("ES256"), "req-11");
        try {
            assertThat(response.status().code()).isEqualTo(503);
            assertThat(response.headers().get("DPoP-Nonce")).isEqualTo("n-2");
            assertThat(response.headers().get("Cache-Control")).isEqualTo("no-store");
        } finally {
            response.release();
        }
    }

    @Test
    void replayCacheDownAtTokenEndpointIs503() throws Exception {
        FullHttpResponse response = ProblemResponses.tokenError(new OAuthException(
                OAuthErrorCode.TEMPORARILY_UNAVAILABLE, "replay cache unreachable"));
        try {
            JsonNode body = body(response);
            assertThat(response.status().code()).isEqualTo(503);
            assertThat(response.headers().get("Content-Type")).isEqualTo("application/json");
            assertThat(response.headers().get("Retry-After")).isEqualTo("1");
            assertThat(response.headers().get("Cache-Control")).isEqualTo("no-store");
            assertThat(body.get("error").asText()).isEqualTo("temporarily_unavailable");
            assertThat(body.get("error_description").asText()).isEqualTo("replay cache unreachable");
        } finally {
            response.release();
        }
    }

    @Test
    void useDPoPNonceAtTokenEndpointIs400() throws Exception {
        FullHttpResponse response = ProblemResponses.tokenError(new OAuthException(OAuthErrorCode.USE_DPOP_NONCE,
                "DPoP proof nonce missing").withDPoPNonce("n-3"));
        try {
            assertThat(response.status().code()).isEqualTo(400);
            assertThat(response.headers().get("DPoP-Nonce")).isEqualTo("n-3");
            assertThat(response.headers().get("Cache-Control")).isEqualTo("no-store");
            assertThat(response.headers().contains("Retry-After")).isFalse();
            assertThat(body(response).get("error").asText()).isEqualTo("use_dpop_nonce");
        } finally {
            response.release();
        }
    }

    @Test
    void tokenErrorOfAnyCodeCarriesNonce() {
        FullHttpResponse response = ProblemResponses.tokenError(new OAuthException(OAuthErrorCode.INVALID_GRANT,
                "subject token expired").withDPoPNonce("n-4"));
        try {
            assertThat(response.status().code()).isEqualTo(400);
            assertThat(response.headers().get("DPoP-Nonce")).isEqualTo("n-4");
        } finally {
            response.release();
        }
    }

    @Test
    void tokenIssuedWithNonceIsNoStore() {
        FullHttpResponse response = ProblemResponses.tokenIssued("{\"access_token\":\"x\"}", Optional.of("n-5"));
        try {
            assertThat(response.status().code()).isEqualTo(200);
            assertThat(response.headers().get("DPoP-Nonce")).isEqualTo("n-5");
            assertThat(response.headers().get("Cache-Control")).isEqualTo("no-store");
            assertThat(response.headers().get("Pragma")).isEqualTo("no-cache");
        } finally {
            response.release();
        }
    }

    @Test
    void tokenIssuedWithoutNonceIsNoStore() {
        FullHttpResponse response = ProblemResponses.tokenIssued("{\"access_token\":\"x\"}", Optional.empty());
        try {
            assertThat(response.headers().contains("DPoP-Nonce")).isFalse();
            assertThat(response.headers().get("Cache-Control")).isEqualTo("no-store");
        } finally {
            response.release();
        }
    }

    private static JsonNode body(FullHttpResponse response) throws Exception {
        return JSON.readTree(response.content().toString(UTF_8));
    }
}
