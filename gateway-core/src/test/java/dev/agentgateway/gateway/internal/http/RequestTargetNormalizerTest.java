package dev.agentgateway.gateway.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RequestTargetNormalizerTest {

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("/", "/", null),
                Arguments.of("/tools/ops/queues", "/tools/ops/queues", null),
                Arguments.of("/tools/ops/queues/", "/tools/ops/queues/", null),
                Arguments.of("/tools/ops/queues?limit=5&x=%2F", "/tools/ops/queues", "limit=5&x=%2F"),
                Arguments.of("/tools/ops?", "/tools/ops", ""),
                Arguments.of("/tools/./ops/queues", "/tools/ops/queues", null),
                Arguments.of("/tools/ops/x/../queues", "/tools/ops/queues", null),
                Arguments.of("/tools/ops/queues/.", "/tools/ops/queues/", null),
                Arguments.of("/tools/ops/queues/..", "/tools/ops/", null),
                Arguments.of("/a/..", "/", null),
                Arguments.of("/.", "/", null),
                Arguments.of("/tools/%6Fps/q%75eues", "/tools/ops/queues", null),
                Arguments.of("/tools/ops/%7efoo%2D", "/tools/ops/~foo-", null),
                Arguments.of("/tools/ops/a%2eb", "/tools/ops/a.b", null),
                Arguments.of("/tools/ops/caf%c3%a9", "/tools/ops/caf%C3%A9", null),
                Arguments.of("/tools/ops/a%3fb", "/tools/ops/a%3Fb", null),
                Arguments.of("/tools/ops/100%25", "/tools/ops/100%25", null),
                Arguments.of("/tools/ops/%25zz", "/tools/ops/%25zz", null),
                Arguments.of("/tools/ops/a:b@c!$&'()*+,=", "/tools/ops/a:b@c!$&'()*+,=", null),
                Arguments.of("/tools/ops/%C2%80", "/tools/ops/%C2%80", null),
                Arguments.of("/tools/ops/%E2%82%AC/x", "/tools/ops/%E2%82%AC/x", null),
                Arguments.of("/tools/ops/%ef%bf%bd", "/tools/ops/%EF%BF%BD", null),
                Arguments.of("/tools/ops/%F0%9F%98%80", "/tools/ops/%F0%9F%98%80", null),
                Arguments.of("/tools/ops/%F4%8F%BF%BF", "/tools/ops/%F4%8F%BF%BF", null),
                Arguments.of("/tools/ops/a%C3%A9b%C3%A9", "/tools/ops/a%C3%A9b%C3%A9", null),
                Arguments.of("/tools/ops/%C3%A9%41", "/tools/ops/%C3%A9A", null));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("accepted")
    void normalizesAcceptedTarget(String raw, String expectedPath, String expectedQuery) throws Exception {
        RequestTarget target = RequestTargetNormalizer.normalize(raw);

        assertThat(target.path()).as("path of %s", raw).isEqualTo(expectedPath);
        assertThat(target.query()).as("query of %s", raw).isEqualTo(expectedQuery);
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of("", "is empty"),
                Arguments.of("*", "asterisk-form"),
                Arguments.of("http://backend.internal/tools/ops/", "absolute-form"),
                Arguments.of("backend.internal:80", "authority-form"),
                Arguments.of("/tools/ops/a%2Fb", "encoded '/'"),
                Arguments.of("/tools/ops/a%2fb", "encoded '/'"),
                Arguments.of("/tools/ops/a\\b", "'\\'"),
                Arguments.of("/tools/ops/a%5Cb", "encoded '\\'"),
                Arguments.of("/tools/ops/a%5cb", "encoded '\\'"),
                Arguments.of("/tools/ops/a%00b", "control byte"),
                Arguments.of("/tools/ops/a%0Ab", "control byte"),
                Arguments.of("/tools/ops/a%7Fb", "control byte"),
                Arguments.of("/tools/ops/a\u0001b", "byte 0x01"),
                Arguments.of("/tools/ops/a b", "byte 0x20"),
                Arguments.of("/tools/ops/caf\u00e9", "byte 0xE9"),
                Arguments.of("/tools/ops/%252e%252e/admin", "double percent-encoded"),
                Arguments.of("/tools/ops/%252F", "double percent-encoded"),
                Arguments.of("/tools/ops;jsessionid=1/queues", "';' path parameter"),
                Arguments.of("/tools/ops/queues;x", "';' path parameter"),
                Arguments.of("/tools/ops/a%3Bb", "encoded ';'"),
                Arguments.of("/tools/ops/%zz", "invalid percent-escape"),
                Arguments.of("/tools/ops/%4", "invalid percent-escape"),
                Arguments.of("/tools/ops/q?x=%g1", "invalid percent-escape"),
                Arguments.of("/..", "climbs above the root"),
                Arguments.of("/tools/../../etc/passwd", "climbs above the root"),
                Arguments.of("/tools/ops/%2e%2e/%2e%2e/admin", "percent-encoded dot segment"),
                Arguments.of("/tools/ops/.%2e/admin", "percent-encoded dot segment"),
                Arguments.of("/tools/ops/%2E/admin", "percent-encoded dot segment"),
                Arguments.of("/tools//ops/", "empty path segment"),
                Arguments.of("/tools/ops/q#frag", "fragment"),
                Arguments.of("/tools/ops/<script>", "'<'"),
                Arguments.of("/tools/ops/a|b", "'|'"),
                Arguments.of("/tools/ops/%C0%AE%C0%AE/admin", "not valid UTF-8"),
                Arguments.of("/tools/ops/%C0%AF", "not valid UTF-8"),
                Arguments.of("/tools/ops/%C1%BF", "not valid UTF-8"),
                Arguments.of("/tools/ops/%E0%80%AE", "not valid UTF-8"),
                Arguments.of("/tools/ops/%F0%80%80%AF", "not valid UTF-8"),
                Arguments.of("/tools/ops/%80", "not valid UTF-8"),
                Arguments.of("/tools/ops/a%BFb", "not valid UTF-8"),
                Arguments.of("/tools/ops/%C3%A9%A9", "not valid UTF-8"),
                Arguments.of("/tools/ops/%ED%A0%80", "not valid UTF-8"),
                Arguments.of("/tools/ops/%ED%BF%BF", "not valid UTF-8"),
                Arguments.of("/tools/ops/%ED%A0%BD%ED%B8%80", "not valid UTF-8"),
                Arguments.of("/tools/ops/%C3", "not valid UTF-8"),
                Arguments.of("/tools/ops/%E2%82", "not valid UTF-8"),
                Arguments.of("/tools/ops/%E2%82x", "not valid UTF-8"),
                Arguments.of("/tools/ops/%E2%82%41", "not valid UTF-8"),
                Arguments.of("/tools/ops/%F0%9F%98", "not valid UTF-8"),
                Arguments.of("/tools/ops/%F5%80%80%80", "not valid UTF-8"),
                Arguments.of("/tools/ops/%F4%90%80%80", "not valid UTF-8"),
                Arguments.of("/tools/ops/%FE", "not valid UTF-8"),
                Arguments.of("/tools/ops/%FF%FE", "not valid UTF-8"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("rejected")
    void rejectsTarget(String raw, String expectedProblem) {
        assertThatThrownBy(() -> RequestTargetNormalizer.normalize(raw))
                .as("target %s", raw)
                .isInstanceOf(InvalidRequestTargetException.class)
                .hasMessageContaining(expectedProblem);
    }

    @Test
    void rejectionQuotesControlBytesEscaped() {
        assertThatThrownBy(() -> RequestTargetNormalizer.normalize("/a\u0000b"))
                .hasMessageStartingWith("request-target \"/a\\x00b\"");
    }

    @Test
    void rejectionTruncatesLongTargets() {
        String raw = "/" + "a".repeat(500) + "%2F";

        assertThatThrownBy(() -> RequestTargetNormalizer.normalize(raw))
                .hasMessageContaining("...\"")
                .message().hasSizeLessThan(300);
    }
}
