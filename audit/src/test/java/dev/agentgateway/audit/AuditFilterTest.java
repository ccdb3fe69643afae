package dev.agentgateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditFilterTest {

    private static final Instant TIME = Instant.parse("2026-12-04T20:30:00.123Z");

    private final AuditRecord allowed = record(TIME, AuditEvent.builder(AuditEventType.DECISION, "req-1")
            .principal("alice (https://idp)").tool("ops").decision("allow").build());
    private final AuditRecord outcome = record(TIME, AuditEvent.builder(AuditEventType.OUTCOME, "req-1")
            .principal("alice (https://idp)").tool("ops").status(200).build());

    @Test
    void allMatchesEverything() {
        assertThat(AuditFilter.ALL.matches(allowed)).isTrue();
        assertThat(AuditFilter.ALL.matches(outcome)).isTrue();
    }

    @Test
    void sinceIsInclusive() {
        assertThat(new AuditFilter(TIME, null, null, null).matches(allowed)).isTrue();
        assertThat(new AuditFilter(TIME.plusMillis(1), null, null, null).matches(allowed)).isFalse();
        assertThat(new AuditFilter(TIME.minusMillis(1), null, null, null).matches(allowed)).isTrue();
    }

    @Test
    void principalMatchesExactly() {
        assertThat(new AuditFilter(null, "alice (https://idp)", null, null).matches(allowed)).isTrue();
        assertThat(new AuditFilter(null, "alice", null, null).matches(allowed)).isFalse();
        assertThat(new AuditFilter(null, "Alice (https://idp)", null, null).matches(allowed)).isFalse();
    }

    @Test
    void toolMatchesExactly() {
        assertThat(new AuditFilter(null, null, "ops", null).matches(allowed)).isTrue();
        assertThat(new AuditFilter(null, null, "op", null).matches(allowed)).isFalse();
    }

    @Test
    void decisionSkipsRecordsWithout() {
        assertThat(new AuditFilter(null, null, null, "allow").matches(allowed)).isTrue();
        assertThat(new AuditFilter(null, null, null, "deny").matches(allowed)).isFalse();
        assertThat(new AuditFilter(null, null, null, "allow").matches(outcome)).isFalse();
    }

    @Test
    void criteriaCombine() {
        assertThat(new AuditFilter(TIME, "alice (https://idp)", "ops", "allow").matches(allowed)).isTrue();
        assertThat(new AuditFilter(TIME, "alice (https://idp)", "db", "allow").matches(allowed)).isFalse();
    }

    @Test
    void decisionRejectsOtherValues() {
        assertThatThrownBy(() -> new AuditFilter(null, null, null, "ALLOW"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("decision: \"ALLOW\" (expected: allow or deny)");
    }

    @Test
    void parseTimeAcceptsOffsets() {
        assertThat(AuditFilter.parseTime("since", "2026-12-04T21:30:00.123+01:00")).isEqualTo(TIME);
        assertThat(AuditFilter.parseTime("since", "2026-12-04T20:30:00.123Z")).isEqualTo(TIME);
    }

    @Test
    void parseTimeRejectsLocalTime() {
        assertThatThrownBy(() -> AuditFilter.parseTime("since", "2026-12-04T20:30:00"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("since: \"2026-12-04T20:30:00\" is not an RFC 3339 date-time");
    }

    private static AuditRecord record(Instant time, AuditEvent event) {
        return new AuditRecord(1, "r1", time, event, "0".repeat(64), "1".repeat(64));
    }
}
