package dev.agentgateway.audit;

import static dev.agentgateway.audit.AuditFixtures.CLOCK;
import static dev.agentgateway.audit.AuditFixtures.decision;
import static dev.agentgateway.audit.AuditFixtures.segment;
import static dev.agentgateway.audit.AuditFixtures.writeLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.agentgateway.audit.AuditFixtures.ManualClock;
import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.config.AuditConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records added to a stopped log, and records changed under a checkpoint: the writer refuses to continue such a log
 * and the verifier rejects records whose times no writer assigns.
 */
class AuditForgeryTest {

    /** A verifier clock a minute after the records, which allows uncovered records for a day. */
    private static final AuditVerifier.Options SOON_AFTER = new AuditVerifier.Options(
            Clock.fixed(CLOCK.instant().plus(Duration.ofMinutes(1)), ZoneOffset.UTC), Duration.ofDays(1));

    @TempDir
    Path directory;

    @Test
    void writerTimesNeverDecrease() throws IOException {
        ManualClock clock = new ManualClock(CLOCK.instant());
        try (FileAuditLog log = AuditFixtures.open(new AuditConfig(directory), clock, FaultyChannel::openAppend,
                CommitObserver.NONE)) {
            log.append(decision("req-1"));
            clock.advance(Duration.ofHours(-1));
            log.append(decision("req-2"));
        }
        // Within the minute the open allows; a clock further back fails the open (see AuditSealTest).
        ManualClock restarted = new ManualClock(CLOCK.instant().minus(Duration.ofSeconds(30)));
        try (FileAuditLog log = AuditFixtures.open(new AuditConfig(directory), restarted, FaultyChannel::openAppend,
                CommitObserver.NONE)) {
            log.append(decision("req-3"));
        }

        List<Instant> times = recordTimes();
        Instant first = CLOCK.instant().truncatedTo(ChronoUnit.MILLIS);
        assertThat(times).containsExactly(first, first, first);
    }

    @Test
    void verifyRejectsTimeBeforePrevious() throws IOException {
        writeLog(directory, 3);
        appendForged(4, CLOCK.instant().minus(Duration.ofSeconds(1)));

        VerificationResult result = AuditVerifier.verify(directory, List.of(AuditFixtures.KEY.publicKey()),
                SOON_AFTER);

        assertThat(result.valid()).as(result.summary()).isFalse();
        assertThat(result.firstBadSequence()).as(result.summary()).isEqualTo(4);
        assertThat(result.problem()).contains("the time of the record before it");
    }

    @Test
    void verifyRejectsFutureTime() throws IOException {
        writeLog(directory, 3);
        appendForged(4, CLOCK.instant().plus(Duration.ofDays(30)));

        VerificationResult result = AuditVerifier.verify(directory, List.of(AuditFixtures.KEY.publicKey()),
                SOON_AFTER);

        assertThat(result.valid()).as(result.summary()).isFalse();
        assertThat(result.firstBadSequence()).as(result.summary()).isEqualTo(4);
        assertThat(result.problem()).contains("the verifier's current time plus 60 s");
    }

    @Test
    void verifyAcceptsTimeWithinMinute() throws IOException {
        writeLog(directory, 3);
        appendForged(4, SOON_AFTER.clock().instant().plus(Duration.ofSeconds(59)));

        VerificationResult result = AuditVerifier.verify(directory, List.of(AuditFixtures.KEY.publicKey()),
                SOON_AFTER);

        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.coveredRecords()).isEqualTo(3);
    }

    @Test
    void verifyRejectsUncoveredRecordBeforeCheckpoint() throws IOException {
        ManualClock clock = new ManualClock(CLOCK.instant());
        try (FileAuditLog log = AuditFixtures.open(new AuditConfig(directory), clock, FaultyChannel::openAppend,
                CommitObserver.NONE)) {
            for (int i = 1; i <= 3; i++) {
                log.append(decision("req-" + i));
            }
            clock.advance(Duration.ofSeconds(10));
        }
        appendForged(4, CLOCK.instant().plus(Duration.ofSeconds(5)));

        VerificationResult result = AuditVerifier.verify(directory, List.of(AuditFixtures.KEY.publicKey()),
                SOON_AFTER);

        assertThat(result.valid()).as(result.summary()).isFalse();
        assertThat(result.firstBadSequence()).as(result.summary()).isEqualTo(4);
        assertThat(result.problem()).contains("before the time of the last checkpoint");
    }

    @Test
    void openRejectsFutureUncoveredRecord() throws IOException {
        writeLog(directory, 3);
        appendForged(4, CLOCK.instant().plus(Duration.ofDays(30)));

        try (CapturedLogs logs = new CapturedLogs()) {
            assertThatThrownBy(() -> AuditFixtures.open(directory, CLOCK))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("audit record seq 4")
                    .hasMessageContaining("the current time plus 60 s");
            assertThat(logs.messages(Level.ERROR)).anySatisfy(message -> assertThat(message)
                    .contains("audit record seq 4"));
        }
        assertThat(Files.readAllLines(segment(directory, 1))).as("log left as found").hasSize(4);
    }

    @Test
    void openRejectsUncoveredRecordBeforeCheckpoint() throws IOException {
        writeLog(directory, 3);
        appendForged(4, CLOCK.instant().minus(Duration.ofHours(1)));

        assertThatThrownBy(() -> AuditFixtures.open(directory, CLOCK))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit record seq 4")
                .hasMessageContaining("the time of the last checkpoint");
    }

    @Test
    void openWarnsUncoveredRecords() throws IOException {
        writeLog(directory, 3);
        appendForged(4, CLOCK.instant());
        appendForged(5, CLOCK.instant());

        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = AuditFixtures.open(directory, CLOCK)) {
            assertThat(logs.messages(Level.WARN)).anySatisfy(message -> assertThat(message)
                    .contains("Audit records 4 to 5")
                    .contains("not covered by a checkpoint"));
            assertThat(log.append(decision("req-6")).sequence()).isEqualTo(6);
        }
    }

    @Test
    void openRejectsChangedCoveredRecord() throws IOException {
        writeLog(directory, 3);
        Path segment = segment(directory, 1);
        List<String> lines = new ArrayList<>(Files.readAllLines(segment));
        lines.set(1, lines.get(1).replace("req-2", "req-X"));
        Files.write(segment, lines);

        try (CapturedLogs logs = new CapturedLogs()) {
            assertThatThrownBy(() -> AuditFixtures.open(directory, CLOCK))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(FileAuditLog.CHECKPOINT_FILE_NAME + " line 1")
                    .hasMessageContaining("records 1 to 3 have the tree head");
            assertThat(logs.messages(Level.ERROR)).anySatisfy(message -> assertThat(message)
                    .contains(FileAuditLog.CHECKPOINT_FILE_NAME + " line 1"));
        }
    }

    @Test
    void verifyFindsSegmentCreatedAfterCheckpointsRead() throws IOException {
        Instant time = CLOCK.instant();
        LogBuilder builder = new LogBuilder(directory, AuditFixtures.KEY, time, 2, 2).append(4);
        AuditVerifier.Options options = new AuditVerifier.Options(Clock.fixed(time, ZoneOffset.UTC),
                Duration.ofMinutes(1));

        VerificationResult result = AuditVerifier.verify(directory, List.of(AuditFixtures.KEY.publicKey()),
                options, () -> builder.append(2));

        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.recordsVerified()).isEqualTo(6);
        assertThat(result.coveredRecords()).isEqualTo(4);
        assertThat(segment(directory, 5)).exists();
    }

    /** Appends a well-formed record with {@code time} that continues the chain, as someone editing the files. */
    private void appendForged(long sequence, Instant time) throws IOException {
        Path segment = segment(directory, 1);
        List<String> lines = Files.readAllLines(segment);
        byte[] last = lines.get(lines.size() - 1).getBytes(StandardCharsets.UTF_8);
        String prev = RecordCodec.sha256Hex(last, 0, last.length);
        byte[] record = RecordCodec.encodeRecord(sequence, "forged" + sequence, time, decision("req-forged"), prev);
        Files.write(segment, record, StandardOpenOption.APPEND);
        Files.write(segment, new byte[] {'\n'}, StandardOpenOption.APPEND);
    }

    private List<Instant> recordTimes() throws IOException {
        List<Instant> times = new ArrayList<>();
        try (AuditRecords records = AuditRecords.open(directory)) {
            for (AuditRecord record = records.next(); record != null; record = records.next()) {
                times.add(record.time());
            }
        }
        return times;
    }
}
