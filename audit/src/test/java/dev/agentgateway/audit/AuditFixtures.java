package dev.agentgateway.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** Events, clocks and logs shared by the audit tests. */
final class AuditFixtures {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T12:00:00.123456Z"), ZoneOffset.UTC);

    private AuditFixtures() {
    }

    static AuditEvent decision(String requestId) {
        return AuditEvent.builder(AuditEventType.DECISION, requestId)
                .principal("alice (https://idp.example)")
                .actor("build-agent")
                .tool("ops")
                .method("POST")
                .path("/tools/ops/restart")
                .decision("allow")
                .rule("oncall-restart")
                .tokenId("tj-" + requestId)
                .proofId("pj-" + requestId)
                .keyThumbprint("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
                .build();
    }

    static AuditEvent outcome(String requestId, String decisionRecordId) {
        return AuditEvent.builder(AuditEventType.OUTCOME, requestId)
                .status(200)
                .durationMillis(42L)
                .responseBytes(1234L)
                .decisionRecordId(decisionRecordId)
                .build();
    }

    /** Returns record ids {@code r1}, {@code r2}, … so lines are predictable. */
    static Supplier<String> countingIds() {
        AtomicLong next = new AtomicLong();
        return () -> "r" + next.incrementAndGet();
    }

    /** Writes {@code count} decision records to a new log in {@code directory} and closes it. */
    static List<AppendedRecord> writeLog(Path directory, int count) throws IOException {
        List<AppendedRecord> appended = new ArrayList<>();
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK, FaultyChannel::openAppend, countingIds())) {
            for (int i = 1; i <= count; i++) {
                appended.add(log.append(decision("req-" + i)));
            }
        }
        return appended;
    }
}
