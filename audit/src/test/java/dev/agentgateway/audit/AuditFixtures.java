package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.Segments;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.SigningKeyConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** Events, clocks and logs shared by the audit tests. */
final class AuditFixtures {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T12:00:00.123456Z"), ZoneOffset.UTC);
    static final AuditSigningKey KEY = AuditSigningKey.generate("EdDSA");

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

    /** Returns the defaults for {@code directory} with other segment bounds and queue size. */
    static AuditConfig config(Path directory, long segmentMaxBytes, Duration segmentMaxAge, int maxPendingRecords) {
        return new AuditConfig(directory, segmentMaxBytes, segmentMaxAge,
                AuditConfig.DEFAULT_CHECKPOINT_EVERY_RECORDS, AuditConfig.DEFAULT_CHECKPOINT_INTERVAL,
                new SigningKeyConfig(AuditConfig.defaultKeyPath(directory), AuditConfig.DEFAULT_KEY_ALGORITHM),
                maxPendingRecords, null);
    }

    /** Opens the log in {@code directory} with default settings, predictable ids and {@code opener}. */
    /** Opens the log in {@code directory} with the default settings, the production opener and {@link #KEY}. */
    static FileAuditLog open(Path directory, Clock clock) throws IOException {
        return FileAuditLog.open(new AuditConfig(directory), KEY, clock, CommitObserver.NONE);
    }

    static FileAuditLog open(Path directory, Clock clock, FileAuditLog.ChannelOpener opener) throws IOException {
        return open(new AuditConfig(directory), clock, opener, CommitObserver.NONE);
    }

    static FileAuditLog open(AuditConfig config, Clock clock, FileAuditLog.ChannelOpener opener,
            CommitObserver observer) throws IOException {
        return FileAuditLog.open(config, KEY, clock, observer, opener, countingIds());
    }

    /** Writes {@code count} decision records to a new log in {@code directory} and closes it. */
    static List<AppendedRecord> writeLog(Path directory, int count) throws IOException {
        List<AppendedRecord> appended = new ArrayList<>();
        try (FileAuditLog log = open(directory, CLOCK, FaultyChannel::openAppend)) {
            for (int i = 1; i <= count; i++) {
                appended.add(log.append(decision("req-" + i)));
            }
        }
        return appended;
    }

    /** Returns the segment file starting at {@code firstSequence}. */
    static Path segment(Path directory, long firstSequence) {
        return directory.resolve(Segments.fileName(firstSequence));
    }

    /** A clock that tests move by hand. */
    static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(Instant start) {
            this.now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("the manual test clock stays in UTC");
        }
    }
}
