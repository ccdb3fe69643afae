package dev.agentgateway.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuditPrinterTest {

    private static final String CLEAR_SCREEN = "\u001b[2J";
    private static final String CLIPBOARD_WRITE = "\u001b]52;c;ZWNobyBwd25lZA==\u0007";
    private static final String BIDI_OVERRIDE = "\u202egnp.exe";
    private static final String FORGED_JSON = "x\n{\"seq\":1,\"decision\":\"allow\"}";

    @Test
    void readableLine() {
        AuditRecord record = record(AuditEvent.builder(AuditEventType.DECISION, "req-17")
                .principal("alice (https://idp)")
                .tool("ops")
                .method("GET")
                .path("/tools/ops/status")
                .decision("allow")
                .rule("ops-read")
                .build());

        assertThat(AuditPrinter.readable(record)).isEqualTo("2026-12-04T20:30:00.123Z #17 decision allow alice"
                + " (https://idp) ops GET /tools/ops/status rule=ops-read request_id=req-17");
    }

    @ParameterizedTest
    @ValueSource(strings = {CLEAR_SCREEN, CLIPBOARD_WRITE, "a\rb", BIDI_OVERRIDE, FORGED_JSON, "\u009b31m",
        "\u2028", "\u2029", "\u061c", "\u200e", "\u2066", "\u2069", "\u200b", "\u00a0", "\ud800", "\u007f",
        "\ue000"})
    void readableEscapesHostileValues(String hostile) {
        AuditRecord record = record(AuditEvent.builder(AuditEventType.DECISION, hostile)
                .principal(hostile)
                .path("/tools/ops/" + hostile)
                .reason(hostile)
                .build());

        String line = AuditPrinter.readable(record);

        assertThat(line.codePoints()).as(line).allMatch(AuditPrinterTest::visible);
    }

    @Test
    void escapeNamesEachCharacter() {
        assertThat(AuditPrinter.escape(CLEAR_SCREEN)).isEqualTo("\\x1b[2J");
        assertThat(AuditPrinter.escape(CLIPBOARD_WRITE)).isEqualTo("\\x1b]52;c;ZWNobyBwd25lZA==\\x07");
        assertThat(AuditPrinter.escape("a\rb\nc")).isEqualTo("a\\x0db\\x0ac");
        assertThat(AuditPrinter.escape(BIDI_OVERRIDE)).isEqualTo("\\u{202e}gnp.exe");
        assertThat(AuditPrinter.escape("\u009b\u2028\u00ad")).isEqualTo("\\u{009b}\\u{2028}\\u{00ad}");
        assertThat(AuditPrinter.escape("back\\slash")).isEqualTo("back\\\\slash");
        assertThat(AuditPrinter.escape("ops-é-日本")).isEqualTo("ops-é-日本");
    }

    @Test
    void jsonIsPrintableAscii() throws Exception {
        String hostile = CLEAR_SCREEN + CLIPBOARD_WRITE + "\r" + BIDI_OVERRIDE + FORGED_JSON + "\u2028\u009b";
        AuditRecord record = record(AuditEvent.builder(AuditEventType.DECISION, "req-17")
                .principal(hostile)
                .build());

        String json = AuditPrinter.json(record);

        assertThat(json.chars()).as(json).allMatch(c -> c >= 0x20 && c < 0x7f);
        JsonNode parsed = new ObjectMapper().readTree(json);
        assertThat(parsed.get("principal").asText()).isEqualTo(hostile);
        assertThat(parsed.get("seq").asLong()).isEqualTo(17);
    }

    @Test
    void asciiJsonKeepsContent() throws Exception {
        String json = "{\"a\":\"\u00e9\u202e\u007f\ud83d\ude00\"}";

        String escaped = AuditPrinter.asciiJson(json);

        assertThat(escaped).isEqualTo("{\"a\":\"\\u00e9\\u202e\\u007f\\ud83d\\ude00\"}");
        assertThat(new ObjectMapper().readTree(escaped)).isEqualTo(new ObjectMapper().readTree(json));
    }

    private static boolean visible(int codePoint) {
        return codePoint >= 0x20 && codePoint < 0x7f;
    }

    static AuditRecord record(AuditEvent event) {
        return new AuditRecord(17, "r17", Instant.parse("2026-12-04T20:30:00.123Z"), event, "0".repeat(64),
                "1".repeat(64));
    }
}
