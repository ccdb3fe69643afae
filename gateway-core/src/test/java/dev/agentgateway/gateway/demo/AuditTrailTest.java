package dev.agentgateway.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditTrailTest {

    @Test
    void formatAlignsColumns() {
        List<AuditTrail.Entry> entries = List.of(
                new AuditTrail.Entry(1, "r1", Instant.parse("2025-03-01T12:00:00.125Z"), "token_exchange", "alice",
                        "ops", null, null, "allow", "ops-read", 200),
                new AuditTrail.Entry(12, "r2", Instant.parse("2025-03-01T12:00:01Z"), "decision", "oncall-olivia",
                        "ops", "POST", "/tools/ops/nodes/node-7/drain", "deny", null, null));

        List<String> rows = AuditTrail.format(entries);

        assertThat(rows).hasSize(3);
        assertThat(rows.get(0)).startsWith("seq  time");
        assertThat(rows.get(1)).startsWith("1    12:00:00.125Z  token_exchange  alice ");
        assertThat(rows.get(2)).startsWith("12   12:00:01.000Z  decision        oncall-olivia");
        assertThat(rows.get(1).indexOf("ops-read")).isEqualTo(rows.get(0).indexOf("rule"));
        assertThat(rows.get(2)).endsWith("deny      -         -");
    }

    @Test
    void formatEscapesControlCharacters() {
        List<AuditTrail.Entry> entries = List.of(new AuditTrail.Entry(1, "r1", null, "decision", "eve\u001b[2J",
                "ops", "GET", "/x\n", "deny", null, 403));

        List<String> rows = AuditTrail.format(entries);

        assertThat(rows.get(1)).doesNotContain("\u001b").doesNotContain("\n");
        assertThat(rows.get(1)).contains("eve\\u001b[2J").contains("/x\\u000a");
    }
}
