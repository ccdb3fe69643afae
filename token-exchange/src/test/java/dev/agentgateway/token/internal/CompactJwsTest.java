package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Syntax checks that run on every token kind before Nimbus parses it. Signatures are not checked here. */
class CompactJwsTest {

    private static final String HEADER = "{\"alg\":\"ES256\",\"typ\":\"JWT\"}";
    private static final String PAYLOAD = "{\"iss\":\"https://idp.example.test\",\"sub\":\"alice\",\"exp\":1700000000}";
    /** 64 bytes of signature, enough for the syntax checks, which never verify it. */
    private static final String SIGNATURE = b64("s".repeat(64));

    static String b64(String text) {
        return b64(text.getBytes(StandardCharsets.UTF_8));
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String token(String header, String payload) {
        return b64(header) + "." + b64(payload) + "." + SIGNATURE;
    }

    static SignedJWT parse(String token) throws OAuthException {
        return CompactJws.parse(token, "test token", 16 * 1024, OAuthErrorCode.INVALID_GRANT);
    }

    @Test
    void wellFormedTokenParsed() throws Exception {
        assertThat(parse(token(HEADER, PAYLOAD)).getJWTClaimsSet().getSubject()).isEqualTo("alice");
    }

    @Test
    void nestingAtLimitAccepted() throws Exception {
        String nested = "[".repeat(StrictJson.MAX_NESTING_DEPTH - 1) + "]".repeat(StrictJson.MAX_NESTING_DEPTH - 1);
        String payload = "{\"sub\":\"alice\",\"x\":" + nested + "}";

        assertThat(parse(token(HEADER, payload)).getJWTClaimsSet().getSubject()).isEqualTo("alice");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void tokenRejected(String name, String token, String described) {
        assertThatThrownBy(() -> parse(token))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).isEqualTo(OAuthErrorCode.INVALID_GRANT);
                    assertThat(e.description()).startsWith("test token rejected: ").contains(described);
                });
    }

    static Stream<Arguments> rejected() {
        String nestedTooDeep = "[".repeat(StrictJson.MAX_NESTING_DEPTH) + "]".repeat(StrictJson.MAX_NESTING_DEPTH);
        // 28 bytes, so the segment's last character carries unused bits.
        String headerSegment = b64("{\"alg\":\"ES256\",\"typ\":\"JWT\" }");
        return Stream.of(
                arguments("duplicate header member", token("{\"alg\":\"ES256\",\"alg\":\"ES256\"}", PAYLOAD),
                        "header is not strict JSON"),
                arguments("duplicate claim", token(HEADER, "{\"sub\":\"alice\",\"sub\":\"bob\"}"),
                        "payload is not strict JSON"),
                arguments("duplicate nested member", token(HEADER, "{\"cnf\":{\"jkt\":\"a\",\"jkt\":\"b\"}}"),
                        "payload is not strict JSON"),
                arguments("nesting one past limit", token(HEADER, "{\"x\":" + nestedTooDeep + "}"),
                        "payload exceeds a JSON limit"),
                arguments("nesting 5000 deep", token(HEADER, "{\"x\":" + "[".repeat(5000) + "]".repeat(5000)
                        + "}"), "payload exceeds a JSON limit"),
                arguments("unterminated nesting", token(HEADER, "{\"x\":" + "[".repeat(5000)),
                        "payload exceeds a JSON limit"),
                arguments("number too long", token(HEADER, "{\"exp\":" + "1".repeat(StrictJson.MAX_NUMBER_LENGTH + 1)
                        + "}"), "payload exceeds a JSON limit"),
                arguments("member name too long", token(HEADER, "{\"" + "n".repeat(StrictJson.MAX_NAME_LENGTH + 1)
                        + "\":1}"), "payload exceeds a JSON limit"),
                arguments("header too large", token("{\"alg\":\"ES256\",\"x\":\"" + "a".repeat(
                        StrictJson.MAX_HEADER_BYTES) + "\"}", PAYLOAD), "header has"),
                arguments("trailing object", token(HEADER, PAYLOAD + "{}"), "content after its JSON object"),
                arguments("trailing garbage", token(HEADER, PAYLOAD + "x"), "payload is not strict JSON"),
                arguments("top-level array", token(HEADER, "[" + PAYLOAD + "]"), "payload is not a JSON object"),
                arguments("top-level string", token("\"ES256\"", PAYLOAD), "header is not a JSON object"),
                arguments("top-level null", token(HEADER, "null"), "payload is not a JSON object"),
                arguments("empty JSON", token(HEADER, " "), "payload is not a JSON object"),
                arguments("comment", token(HEADER, "{/**/\"sub\":\"a\"}"), "payload is not strict JSON"),
                arguments("single quotes", token(HEADER, "{'sub':'a'}"), "payload is not strict JSON"),
                arguments("unquoted name", token(HEADER, "{sub:\"a\"}"), "payload is not strict JSON"),
                arguments("trailing comma", token(HEADER, "{\"sub\":\"a\",}"), "payload is not strict JSON"),
                arguments("NaN", token(HEADER, "{\"exp\":NaN}"), "payload is not strict JSON"),
                arguments("leading zero", token(HEADER, "{\"exp\":01}"), "payload is not strict JSON"),
                arguments("raw control character", token(HEADER, "{\"sub\":\"a\u0001\"}"),
                        "payload is not strict JSON"),
                arguments("invalid UTF-8", b64(HEADER) + "." + b64(new byte[] {'{', '"', 's', '"', ':', '"',
                    (byte) 0xC3, 0x28, '"', '}'}) + "." + SIGNATURE, "payload is not valid UTF-8"),
                arguments("overlong UTF-8", b64(HEADER) + "." + b64(new byte[] {'{', '"', 's', '"', ':', '"',
                    (byte) 0xC0, (byte) 0xAF, '"', '}'}) + "." + SIGNATURE, "payload is not valid UTF-8"),
                arguments("non-canonical header", headerSegment.substring(0, headerSegment.length() - 1)
                        + nonCanonicalLast(headerSegment) + "." + b64(PAYLOAD) + "." + SIGNATURE,
                        "header is not canonical base64url"),
                arguments("impossible base64url length", b64(HEADER) + ".AAAAA." + SIGNATURE,
                        "payload has 5 base64url characters"),
                arguments("non-canonical signature", b64(HEADER) + "." + b64(PAYLOAD) + "." + SIGNATURE.substring(0,
                        SIGNATURE.length() - 1) + nonCanonicalLast(SIGNATURE), "signature is not canonical"),
                arguments("padding", b64(HEADER) + "=." + b64(PAYLOAD) + "." + SIGNATURE, "is not base64url"),
                arguments("alg none in mixed case", token("{\"alg\":\"nOnE\"}", PAYLOAD), "alg \"nOnE\""));
    }

    /** Returns the last character of {@code segment} with an unused low bit set. */
    private static char nonCanonicalLast(String segment) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return alphabet.charAt(alphabet.indexOf(segment.charAt(segment.length() - 1)) | 1);
    }

    @Test
    void descriptionNeverQuotesToken() {
        String token = token(HEADER, "{\"sub\":\"alice\",\"sub\":\"secret-value\"}");

        assertThatThrownBy(() -> parse(token))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.description())
                        .doesNotContain("secret-value").doesNotContain(token.substring(0, 20)));
    }
}
