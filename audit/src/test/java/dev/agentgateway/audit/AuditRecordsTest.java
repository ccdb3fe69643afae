package dev.agentgateway.audit;

import static dev.agentgateway.audit.AuditFixtures.CLOCK;
import static dev.agentgateway.audit.AuditFixtures.config;
import static dev.agentgateway.audit.AuditFixtures.decision;
import static dev.agentgateway.audit.AuditFixtures.outcome;
import static dev.agentgateway.audit.AuditFixtures.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditRecordsTest {

    @TempDir
    Path directory;

    @Test
    void readsRecordsInOrder() throws IOException {
        AppendedRecord first;
        AppendedRecord second;
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK, FaultyChannel::openAppend)) {
            first = log.append(decision("req-1"));
            second = log.append(outcome("req-1", first.id()));
        }

        try (AuditRecords records = AuditRecords.open(directory)) {
            AuditRecord decision = records.next();
            AuditRecord outcome = records.next();

            assertThat(records.next()).isNull();
            assertThat(decision).isEqualTo(new AuditRecord(1, "r1", Instant.parse("2026-03-01T12:00:00.123Z"),
                    decision("req-1"), "0".repeat(64), first.hash()));
            assertThat(outcome.sequence()).isEqualTo(2);
            assertThat(outcome.event()).isEqualTo(outcome("req-1", "r1"));
            assertThat(outcome.prev()).isEqualTo(first.hash());
            assertThat(outcome.hash()).isEqualTo(second.hash());
        }
    }

    @Test
    void recordExposesExactBytes() throws IOException {
        AuditFixtures.writeLog(directory, 2);
        byte[] file = Files.readAllBytes(segment(directory, 1));

        try (AuditRecords records = AuditRecords.open(directory)) {
            AuditRecord first = records.next();
            AuditRecord second = records.next();

            byte[] joined = (first.line() + "\n" + second.line() + "\n").getBytes(StandardCharsets.UTF_8);
            assertThat(joined).isEqualTo(file);
            assertThat(first.bytes()).isEqualTo(first.line().getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void toMapUsesWireNamesInOrder() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK, FaultyChannel::openAppend)) {
            log.append(outcome("req-1", "r0"));
        }

        Map<String, Object> members;
        try (AuditRecords records = AuditRecords.open(directory)) {
            members = records.next().toMap();
        }

        assertThat(members.keySet()).containsExactly("decision_record", "duration_ms", "id", "prev",
                "request_id", "response_bytes", "seq", "status", "time", "type");
        assertThat(members).containsEntry("seq", 1L)
                .containsEntry("time", "2026-03-01T12:00:00.123Z")
                .containsEntry("type", "outcome")
                .containsEntry("status", 200)
                .containsEntry("duration_ms", 42L);
    }

    @Test
    void nextNamesMalformedLine() throws IOException {
        AuditFixtures.writeLog(directory, 2);
        Files.writeString(segment(directory, 1), "{\"seq\":3}\n", StandardOpenOption.APPEND);

        try (AuditRecords records = AuditRecords.open(directory)) {
            records.next();
            records.next();

            assertThatThrownBy(records::next)
                    .isInstanceOf(IOException.class)
                    .hasMessage("audit-00000000000000000001.log line 3: member \"id\" is missing");
        }
    }

    @Test
    void nextWaitsForIncompleteLine() throws IOException {
        AuditFixtures.writeLog(directory, 1);
        Path file = segment(directory, 1);
        byte[] whole = Files.readAllBytes(file);
        String second = lineOf(directory, 2);
        Files.writeString(file, second.substring(0, 20), StandardOpenOption.APPEND);

        try (AuditRecords records = AuditRecords.open(directory)) {
            assertThat(records.next().sequence()).isEqualTo(1);
            assertThat(records.next()).as("an incomplete line is waited for").isNull();

            Files.writeString(file, second.substring(20) + "\n", StandardOpenOption.APPEND);

            assertThat(records.next().line()).isEqualTo(second);
        }
        assertThat(Files.size(file)).isGreaterThan(whole.length);
    }

    @Test
    void nextRereadsLineReplacedAfterCut() throws IOException {
        AuditFixtures.writeLog(directory, 1);
        Path file = segment(directory, 1);
        long size = Files.size(file);
        Files.writeString(file, " ".repeat(100), StandardOpenOption.APPEND);

        try (AuditRecords records = AuditRecords.open(directory)) {
            records.next();
            assertThat(records.next()).isNull();

            try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(size);
            }
            String second = lineOf(directory, 2);
            Files.writeString(file, second + "\n", StandardOpenOption.APPEND);

            assertThat(records.next().line()).as("the probe bytes read before are dropped").isEqualTo(second);
        }
    }

    @Test
    void nextFollowsAcrosssegmentFiles() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(config(directory, 4096, Duration.ofDays(1), 100), CLOCK,
                FaultyChannel::openAppend, CommitObserver.NONE);
                AuditRecords records = AuditRecords.open(directory)) {
            assertThat(records.next()).as("no segment yet").isNull();
            List<Long> read = new ArrayList<>();
            for (int i = 1; i <= 40; i++) {
                log.append(decision("req-" + i));
                if (i % 7 == 0) {
                    drain(records, read);
                }
            }
            drain(records, read);

            assertThat(read).hasSize(40);
            assertThat(read).isSorted().first().isEqualTo(1L);
            assertThat(read.get(39)).isEqualTo(40L);
            assertThat(segmentFiles().size()).as("the records span several segments").isGreaterThan(2);
        }
    }

    @Test
    void openAfterSequenceSkipsEarlierRecords() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(config(directory, 4096, Duration.ofDays(1), 100), CLOCK,
                FaultyChannel::openAppend, CommitObserver.NONE)) {
            for (int i = 1; i <= 30; i++) {
                log.append(decision("req-" + i));
            }
        }

        for (long after : new long[] {0, 1, 9, 10, 11, 29, 30}) {
            try (AuditRecords records = AuditRecords.open(directory, after)) {
                List<Long> read = new ArrayList<>();
                drain(records, read);

                assertThat(read).as("after %d", after).hasSize((int) (30 - after));
                if (after < 30) {
                    assertThat(read.get(0)).as("first after %d", after).isEqualTo(after + 1);
                }
            }
        }
    }

    @Test
    void openAfterSequenceWaitsForLaterRecords() throws IOException {
        AuditFixtures.writeLog(directory, 3);

        try (AuditRecords records = AuditRecords.open(directory, 5)) {
            assertThat(records.next()).isNull();

            try (FileAuditLog log = AuditFixtures.open(directory, CLOCK)) {
                log.append(decision("req-4"));
                log.append(decision("req-5"));
                assertThat(records.next()).isNull();
                log.append(decision("req-6"));
            }

            assertThat(records.next().sequence()).isEqualTo(6);
        }
    }

    @Test
    void nextStopsAtDurableBound() throws IOException {
        AuditFixtures.writeLog(directory, 3);
        AtomicLong durable = new AtomicLong(1);

        try (AuditRecords records = AuditRecords.open(directory, 0, durable::get)) {
            assertThat(records.next().sequence()).isEqualTo(1);
            assertThat(records.next()).isNull();

            durable.set(3);

            assertThat(records.next().sequence()).isEqualTo(2);
            assertThat(records.next().sequence()).isEqualTo(3);
            assertThat(records.next()).isNull();
        }
    }

    @Test
    void boundedReaderSkipsFailedRecord() throws IOException {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK, faults.opener());
                AuditRecords records = AuditRecords.open(directory, 0, log::lastDurableSequence)) {
            log.append(decision("req-1"));
            faults.set(FaultyChannel.Fault.FAILED_FORCE);
            assertThatThrownBy(() -> log.append(decision("req-2"))).isInstanceOf(AuditWriteException.class);
            assertThat(Files.readAllLines(segment(directory, 1))).as("the failed line is in the file").hasSize(2);

            assertThat(records.next().sequence()).isEqualTo(1);
            assertThat(records.next()).as("the failed record is not durable").isNull();

            faults.set(FaultyChannel.Fault.NONE);
            log.append(decision("req-3"));

            AuditRecord second = records.next();
            assertThat(second.sequence()).isEqualTo(2);
            assertThat(second.event().requestId()).isEqualTo("req-3");
        }
    }

    @Test
    void nextFollowsRecreatedSegment() throws IOException {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        AuditFixtures.ManualClock clock = new AuditFixtures.ManualClock(CLOCK.instant());
        try (FileAuditLog log = AuditFixtures.open(config(directory, 1 << 20, Duration.ofHours(1), 100), clock,
                faults.opener(), CommitObserver.NONE);
                AuditRecords records = AuditRecords.open(directory)) {
            log.append(decision("req-1"));
            clock.advance(Duration.ofHours(2));
            faults.set(FaultyChannel.Fault.PARTIAL_WRITE);
            assertThatThrownBy(() -> log.append(decision("req-2"))).isInstanceOf(AuditWriteException.class);
            assertThat(segment(directory, 2)).as("the new segment holds half a line").isNotEmptyFile();

            assertThat(records.next().sequence()).isEqualTo(1);
            assertThat(records.next()).isNull();

            faults.set(FaultyChannel.Fault.NONE);
            log.append(decision("req-3"));

            AuditRecord second = records.next();
            assertThat(second).as("read from the segment created again").isNotNull();
            assertThat(second.event().requestId()).isEqualTo("req-3");
        }
    }

    @Test
    void nextRejectsMissingFirstSegment() throws IOException {
        Files.writeString(segment(directory, 5), "");

        try (AuditRecords records = AuditRecords.open(directory)) {
            assertThatThrownBy(records::next)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("records 1 to 4 are missing");
        }
    }

    @Test
    void openRejectsLegacyLog() throws IOException {
        Files.writeString(directory.resolve("audit.log"), "");

        assertThatThrownBy(() -> AuditRecords.open(directory))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("earlier single-file format");
    }

    @Test
    void missingLogReadsEmpty() throws IOException {
        try (AuditRecords records = AuditRecords.open(directory)) {
            List<AuditRecord> all = records.stream().toList();

            assertThat(all).isEmpty();
        }
    }

    @Test
    void missingDirectoryIsRejected() {
        Path missing = directory.resolve("missing");

        assertThatThrownBy(() -> AuditRecords.open(missing))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(missing.toString());
    }

    private List<Path> segmentFiles() throws IOException {
        try (var files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().startsWith("audit-")).toList();
        }
    }

    private static void drain(AuditRecords records, List<Long> read) throws IOException {
        AuditRecord record;
        while ((record = records.next()) != null) {
            read.add(record.sequence());
        }
    }

    /** Returns the line the next record, at {@code sequence}, would have in a log made by {@code writeLog}. */
    private static String lineOf(Path directory, long sequence) throws IOException {
        Path scratch = Files.createTempDirectory(directory.getParent(), "scratch");
        AuditFixtures.writeLog(scratch, (int) sequence);
        List<String> lines = Files.readAllLines(segment(scratch, 1), StandardCharsets.UTF_8);
        return lines.get((int) sequence - 1);
    }
}
