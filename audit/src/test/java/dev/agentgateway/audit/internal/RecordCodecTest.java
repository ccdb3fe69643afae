package dev.agentgateway.audit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RecordCodecTest {

    private static final Instant TIME = Instant.parse("2026-12-04T20:30:00.123999Z");
    private static final String PREV = "ab".repeat(32);

    private static AuditEvent event(String reason) {
        return AuditEvent.builder(AuditEventType.DECISION, "req-1")
                .principal("alice (https://idp.example)")
                .tool("ops")
                .decision("deny")
                .reason(reason)
                .status(403)
                .tokenHash("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo")
                .build();
    }

    private static String line(String reason) {
        return new String(RecordCodec.encodeRecord(7, "rec-7", TIME, event(reason), PREV), StandardCharsets.UTF_8);
    }

    @Test
    void encodeSortsMembersAndTruncatesTime() {
        assertThat(line("no \u00e9")).isEqualTo("{\"decision\":\"deny\",\"id\":\"rec-7\",\"prev\":\"" + PREV
                + "\",\"principal\":\"alice (https://idp.example)\",\"reason\":\"no \u00e9\",\"request_id\":\"req-1\","
                + "\"seq\":7,\"status\":403,\"time\":\"2026-12-04T20:30:00.123Z\","
                + "\"token_sha256\":\"fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo\",\"tool\":\"ops\","
                + "\"type\":\"decision\"}");
    }

    @Test
    void decodeRoundTripsForgeryAttempt() throws RecordFormatException {
        String forged = "x\"}\n{\"seq\":8,\"prev\":\"" + PREV + "\",\"type\":\"decision\",\"reason\":\"";
        byte[] bytes = line(forged).getBytes(StandardCharsets.UTF_8);

        AuditRecord record = RecordCodec.decode(bytes, "h");

        assertThat(record.event().reason()).isEqualTo(forged);
        assertThat(record.sequence()).isEqualTo(7);
        assertThat(record.line()).doesNotContain("\n");
        assertThat(record.bytes()).isEqualTo(bytes);
    }

    static Stream<Arguments> nonCanonical() {
        return Stream.of(
                Arguments.of("space after colon", edit(line -> line.replace("\"seq\":7", "\"seq\": 7"))),
                Arguments.of("space before brace", edit(line -> " " + line)),
                Arguments.of("escaped solidus", edit(line -> line.replace("https://", "https:\\/\\/"))),
                Arguments.of("escaped letter", edit(line -> line.replace("\"ops\"", "\"\\u006fps\""))),
                Arguments.of("escaped non-ASCII", edit(line -> line.replace("\u00e9", "\\u00e9"))),
                Arguments.of("uppercase hex escape", edit(line -> line.replace("\\u001b", "\\u001B"))),
                Arguments.of("escaped DEL", edit(line -> line.replace("\u007f", "\\u007f"))),
                Arguments.of("members reordered", edit(line -> line.replace(
                        "\"decision\":\"deny\",\"id\":\"rec-7\"", "\"id\":\"rec-7\",\"decision\":\"deny\""))),
                Arguments.of("negative zero", edit(line -> line.replace("\"status\":403",
                        "\"status\":403,\"duration_ms\":-0"))),
                Arguments.of("escaped surrogate pair", edit(line -> line.replace("\uD83D\uDE00", "\\ud83d\\ude00"))),
                Arguments.of("lone surrogate escape", edit(line -> line.replace("\uD83D\uDE00", "\\ud83d"))));
    }

    private static UnaryOperator<String> edit(UnaryOperator<String> change) {
        return change;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonCanonical")
    void decodeRejectsNonCanonical(String name, UnaryOperator<String> change) {
        String original = line("no \u00e9 \u001b \u007f \uD83D\uDE00");
        String changed = change.apply(original);
        assertThat(changed).as("the edit applies").isNotEqualTo(original);

        assertThatThrownBy(() -> RecordCodec.decode(changed.getBytes(StandardCharsets.UTF_8), "h"))
                .isInstanceOf(RecordFormatException.class)
                .hasMessageContaining("canonical form");
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("unknown member", edit(line -> line.replace("{", "{\"admin\":\"yes\",")),
                        "unknown member \"admin\""),
                Arguments.of("duplicate member", edit(line -> line.replace("\"tool\":\"ops\",",
                        "\"tool\":\"ops\",\"tool\":\"ops\",")), "duplicate member \"tool\""),
                Arguments.of("null optional member", edit(line -> line.replace("\"tool\":\"ops\"", "\"tool\":null")),
                        "member \"tool\" is not a string or an integer"),
                Arguments.of("number as string", edit(line -> line.replace("\"status\":403", "\"status\":\"403\"")),
                        "member \"status\" is not an integer"),
                Arguments.of("negative number", edit(line -> line.replace("\"status\":403", "\"status\":-3")),
                        "member \"status\" is -3"),
                Arguments.of("number above 2^53 - 1", edit(line -> line.replace("\"seq\":7",
                        "\"seq\":9007199254740992")), "out of range"),
                Arguments.of("time without milliseconds", edit(line -> line.replace(".123Z", "Z")),
                        "time is \"2026-12-04T20:30:00Z\""),
                Arguments.of("time with offset", edit(line -> line.replace(".123Z", ".123+00:00")),
                        "expected: RFC 3339 UTC time"),
                Arguments.of("uppercase prev", edit(line -> line.replace(PREV, PREV.toUpperCase())),
                        "prev is"),
                Arguments.of("unknown type", edit(line -> line.replace("\"type\":\"decision\"",
                        "\"type\":\"admin\"")), "type is \"admin\""),
                Arguments.of("missing seq", edit(line -> line.replace("\"seq\":7,", "")),
                        "member \"seq\" is missing"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void decodeRejectsInvalid(String name, UnaryOperator<String> change, String problem) {
        String original = line("reason");
        String changed = change.apply(original);
        assertThat(changed).as("the edit applies").isNotEqualTo(original);

        assertThatThrownBy(() -> RecordCodec.decode(changed.getBytes(StandardCharsets.UTF_8), "h"))
                .isInstanceOf(RecordFormatException.class)
                .hasMessageContaining(problem);
    }

    @Test
    void encodeEventMarksWriterMembers() {
        RecordCodec.EncodedEvent encoded = RecordCodec.encodeEvent("rec-7", event("r"));
        String bytes = new String(encoded.bytes(), StandardCharsets.UTF_8);

        assertThat(bytes.substring(0, encoded.prevAt())).isEqualTo("\"decision\":\"deny\",\"id\":\"rec-7\",");
        assertThat(bytes.substring(encoded.seqAt(), encoded.timeAt())).isEqualTo("\"status\":403,");
        assertThat(bytes).endsWith("\"type\":\"decision\",");
        assertThat(encoded.bytes().length + RecordCodec.MIN_RECORD_OVERHEAD)
                .as("length of the record at a one-digit seq")
                .isEqualTo(line("r").getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void encodeEventRejectsBadId() {
        assertThatThrownBy(() -> RecordCodec.encodeEvent("a\"b", event("r")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("record id rejected");
    }
}
