package dev.agentgateway.audit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CanonicalJsonTest {

    static Stream<Arguments> escapes() {
        return Stream.of(
                Arguments.of("quotation mark", "\"", "\"\\\"\""),
                Arguments.of("reverse solidus", "\\", "\"\\\\\""),
                Arguments.of("solidus stays literal", "/", "\"/\""),
                Arguments.of("backspace", "\b", "\"\\b\""),
                Arguments.of("tab", "\t", "\"\\t\""),
                Arguments.of("line feed", "\n", "\"\\n\""),
                Arguments.of("form feed", "\f", "\"\\f\""),
                Arguments.of("carriage return", "\r", "\"\\r\""),
                Arguments.of("NUL", "\u0000", "\"\\u0000\""),
                Arguments.of("ESC in lowercase hex", "\u001b", "\"\\u001b\""),
                Arguments.of("unit separator", "\u001f", "\"\\u001f\""),
                Arguments.of("vertical tab", "\u000b", "\"\\u000b\""),
                Arguments.of("DEL stays literal", "\u007f", "\"\u007f\""),
                Arguments.of("C1 control stays literal", "\u0085", "\"\u0085\""),
                Arguments.of("line separator stays literal", "\u2028", "\"\u2028\""),
                Arguments.of("bidi override stays literal", "\u202e", "\"\u202e\""),
                Arguments.of("euro sign", "\u20ac", "\"\u20ac\""),
                Arguments.of("supplementary character", "\uD83D\uDE00", "\"\uD83D\uDE00\""),
                Arguments.of("lone high surrogate", "a\uD800b", "\"a\uFFFDb\""),
                Arguments.of("lone low surrogate", "a\uDC00b", "\"a\uFFFDb\""),
                Arguments.of("high surrogate at end", "a\uD83D", "\"a\uFFFD\""),
                Arguments.of("swapped pair", "\uDE00\uD83D", "\"\uFFFD\uFFFD\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("escapes")
    void writeStringEscapes(String name, String value, String expected) {
        ByteSink out = new ByteSink(16);

        CanonicalJson.writeString(out, value);

        assertThat(new String(out.toByteArray(), StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(out.toByteArray()).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void writeStringEscapesEveryC0Control() throws RecordFormatException {
        for (char c = 0; c < 0x20; c++) {
            ByteSink out = new ByteSink(16);
            CanonicalJson.writeString(out, String.valueOf(c));
            byte[] bytes = out.toByteArray();

            for (byte b : bytes) {
                assertThat(b).as("byte of U+%04X", (int) c).isGreaterThanOrEqualTo((byte) 0x20);
            }
            Map<String, Object> parsed = CanonicalJson.parseObject(wrap(bytes), 0, bytes.length + 6);
            assertThat(parsed.get("k")).as("round trip of U+%04X", (int) c).isEqualTo(String.valueOf(c));
        }
    }

    @Test
    void writeSortsMembersByCodeUnits() {
        Map<String, Object> members = new LinkedHashMap<>();
        members.put("time", "t");
        members.put("b", 2L);
        members.put("a_b", "x");
        members.put("a", 1L);
        members.put("\u00e9", "e");
        members.put("\uD83D\uDE00", "emoji");
        members.put("\uFB01", "ligature");

        String written = new String(CanonicalJson.write(members), StandardCharsets.UTF_8);

        assertThat(written).isEqualTo("{\"a\":1,\"a_b\":\"x\",\"b\":2,\"time\":\"t\",\"\u00e9\":\"e\","
                + "\"\uD83D\uDE00\":\"emoji\",\"\uFB01\":\"ligature\"}");
    }

    @Test
    void writeIntegerRejectsOutOfRange() {
        ByteSink out = new ByteSink(16);

        CanonicalJson.writeInteger(out, CanonicalJson.MAX_INTEGER);
        assertThat(new String(out.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo("9007199254740991");
        assertThatThrownBy(() -> CanonicalJson.writeInteger(out, CanonicalJson.MAX_INTEGER + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("9007199254740992");
        assertThatThrownBy(() -> CanonicalJson.writeInteger(out, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parseDecodesEscapesAndUtf8() throws RecordFormatException {
        byte[] json = "{ \"a\" : \"\\u0041\\/\\ud83d\\ude00\u20ac\" , \"n\":0 }".getBytes(StandardCharsets.UTF_8);

        Map<String, Object> members = CanonicalJson.parseObject(json, 0, json.length);

        assertThat(members).containsEntry("a", "A/\uD83D\uDE00\u20ac").containsEntry("n", 0L);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("empty", "", "the line is empty"),
                Arguments.of("array", "[]", "not a JSON object"),
                Arguments.of("duplicate member", "{\"a\":\"1\",\"a\":\"2\"}", "duplicate member \"a\""),
                Arguments.of("nested object", "{\"a\":{}}", "member \"a\" is not a string or an integer"),
                Arguments.of("literal", "{\"a\":true}", "member \"a\" is not a string or an integer"),
                Arguments.of("null", "{\"a\":null}", "member \"a\" is not a string or an integer"),
                Arguments.of("fraction", "{\"a\":1.0}", "member \"a\" is not a string or an integer"),
                Arguments.of("exponent", "{\"a\":1e2}", "member \"a\" is not a string or an integer"),
                Arguments.of("leading zero", "{\"a\":01}", "malformed number"),
                Arguments.of("trailing content", "{}{}", "content follows the JSON object"),
                Arguments.of("raw control in string", "{\"a\":\"\u0001\"}", "unescaped control character"),
                Arguments.of("unknown escape", "{\"a\":\"\\x\"}", "invalid escape"),
                Arguments.of("short unicode escape", "{\"a\":\"\\u12\"}", "\\u escape"),
                Arguments.of("unterminated string", "{\"a\":\"abc", "ends inside a string"),
                Arguments.of("missing colon", "{\"a\" \"b\"}", "expected ':'"),
                Arguments.of("missing comma", "{\"a\":\"b\" \"c\":\"d\"}", "expected ',' or '}'"),
                Arguments.of("too large", "{\"a\":99999999999999999999}", "is 99999999999999999999"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void parseRejects(String name, String json, String problem) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> CanonicalJson.parseObject(bytes, 0, bytes.length))
                .isInstanceOf(RecordFormatException.class)
                .hasMessageContaining(problem);
    }

    static Stream<Arguments> invalidUtf8() {
        return Stream.of(
                Arguments.of("overlong slash", new byte[] {(byte) 0xC0, (byte) 0xAF}),
                Arguments.of("overlong three bytes", new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}),
                Arguments.of("encoded surrogate", new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
                Arguments.of("lone continuation byte", new byte[] {(byte) 0x80}),
                Arguments.of("truncated sequence", new byte[] {(byte) 0xE2, (byte) 0x82}),
                Arguments.of("beyond U+10FFFF", new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}),
                Arguments.of("invalid lead byte", new byte[] {(byte) 0xFF}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidUtf8")
    void parseRejectsInvalidUtf8(String name, byte[] sequence) {
        byte[] bytes = wrap(sequence);

        assertThatThrownBy(() -> CanonicalJson.parseObject(bytes, 0, bytes.length))
                .isInstanceOf(RecordFormatException.class)
                .hasMessageContaining("UTF-8");
    }

    /** Returns {@code {"k":<string>}} with {@code content} as the raw bytes between the string's quotes. */
    private static byte[] wrap(byte[] content) {
        boolean quoted = content.length > 0 && content[0] == '"';
        byte[] prefix = quoted ? "{\"k\":".getBytes(StandardCharsets.US_ASCII)
                : "{\"k\":\"".getBytes(StandardCharsets.US_ASCII);
        byte[] suffix = quoted ? "}".getBytes(StandardCharsets.US_ASCII)
                : "\"}".getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = new byte[prefix.length + content.length + suffix.length];
        System.arraycopy(prefix, 0, bytes, 0, prefix.length);
        System.arraycopy(content, 0, bytes, prefix.length, content.length);
        System.arraycopy(suffix, 0, bytes, prefix.length + content.length, suffix.length);
        return bytes;
    }
}
