package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.OPS_QUEUES;
import static dev.agentgateway.token.Fixture.TOKEN_ENDPOINT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DPoP proofs whose {@code jti}, {@code htm} or {@code htu} is blank, of the wrong type or too long, correctly
 * signed by the proof key. Each must be rejected as {@code invalid_dpop_proof} at the token endpoint and at a
 * resource, never with an unchecked exception.
 */
class DPoPProofClaimsTest {

    @TempDir
    Path directory;

    Fixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new Fixture(directory);
    }

    static Stream<Arguments> malformedClaims() {
        return Stream.of(
                arguments("jti empty", put("jti", "")),
                arguments("jti blank", put("jti", "   ")),
                arguments("jti tab", put("jti", "\t")),
                arguments("jti newline", put("jti", "abc\ndef")),
                arguments("jti number", put("jti", 42)),
                arguments("jti array", put("jti", List.of("a"))),
                arguments("jti object", put("jti", Map.of("a", "b"))),
                arguments("jti too long", put("jti", "j".repeat(257))),
                arguments("jti missing", remove("jti")),
                arguments("htm empty", put("htm", "")),
                arguments("htm blank", put("htm", " ")),
                arguments("htm number", put("htm", 1)),
                arguments("htm with space", put("htm", "PO ST")),
                arguments("htm too long", put("htm", "P".repeat(33))),
                arguments("htm missing", remove("htm")),
                arguments("htu empty", put("htu", "")),
                arguments("htu blank", put("htu", "\u00a0 ")),
                arguments("htu boolean", put("htu", true)),
                arguments("htu not a URI", put("htu", "http://127.0.0.1:8080/a b")),
                arguments("htu relative", put("htu", "/oauth2/token")),
                arguments("htu too long", put("htu", "http://127.0.0.1:8080/" + "a".repeat(4096))),
                arguments("htu missing", remove("htu")),
                arguments("iat missing", remove("iat")),
                arguments("ath empty", put("ath", "")),
                arguments("nonce empty", put("nonce", "")),
                arguments("nonce number", put("nonce", 7)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedClaims")
    void tokenEndpointRejects(String name, Consumer<Map<String, Object>> change) {
        String proof = proof("POST", TOKEN_ENDPOINT.toString(), null, change);
        TokenExchangeRequest request = new TokenExchangeRequest("POST", TOKEN_ENDPOINT, fixture.form(),
                List.of(proof));

        assertThatThrownBy(() -> fixture.exchange().exchange(request))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.code()).as(e.getMessage())
                        .isEqualTo(OAuthErrorCode.INVALID_DPOP_PROOF));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedClaims")
    void resourceRejects(String name, Consumer<Map<String, Object>> change) throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = proof("GET", OPS_QUEUES.toString(), token, change);

        assertThatThrownBy(() -> fixture.authenticate(token, proof))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.code()).as(e.getMessage())
                        .isEqualTo(OAuthErrorCode.INVALID_DPOP_PROOF));
    }

    @Test
    void descriptionNamesClaim() {
        String proof = proof("POST", TOKEN_ENDPOINT.toString(), null, put("jti", " "));
        TokenExchangeRequest request = new TokenExchangeRequest("POST", TOKEN_ENDPOINT, fixture.form(),
                List.of(proof));

        assertThatThrownBy(() -> fixture.exchange().exchange(request))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.description())
                        .isEqualTo("DPoP proof rejected: jti \" \" is blank (expected: a non-empty string)"));
    }

    @Test
    void wellFormedRawProofAccepted() throws Exception {
        String proof = proof("POST", TOKEN_ENDPOINT.toString(), null, payload -> { });

        assertThat(fixture.exchange().exchange(new TokenExchangeRequest("POST", TOKEN_ENDPOINT, fixture.form(),
                List.of(proof))).proofId()).isNotBlank();
    }

    private String proof(String method, String uri, String accessToken, Consumer<Map<String, Object>> change) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "ES256");
        header.put("typ", "dpop+jwt");
        header.put("jwk", fixture.proofKey.toPublicJWK().toJSONObject());
        Map<String, Object> payload = HostileTokens.payload(Fixture.proofClaims(method, uri, fixture.now,
                accessToken).build());
        change.accept(payload);
        return HostileTokens.signed(header, payload, fixture.proofKey);
    }

    private static Consumer<Map<String, Object>> put(String claim, Object value) {
        return payload -> payload.put(claim, value);
    }

    private static Consumer<Map<String, Object>> remove(String claim) {
        return payload -> payload.remove(claim);
    }
}
