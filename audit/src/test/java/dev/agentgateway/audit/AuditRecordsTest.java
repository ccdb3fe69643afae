package dev.agentgateway.audit;

import static dev.agentgateway.audit.AuditFixtures.CLOCK;
import static dev.agentgateway.audit.AuditFixtures.countingIds;
import static dev.agentgateway.audit.AuditFixtures.decision;
import static dev.agentgateway.audit.AuditFixtures.outcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditRecordsTest {

    @TempDir
    Path directory;

    @Test
    void readsRecordsInOrder() throws IOException {
        AppendedRecord first;
        AppendedRecord second;
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK, FaultyChannel::openAppend, countingIds())) {
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
    void toMapUsesWireNamesInOrder() throws IOException {
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK, FaultyChannel::openAppend, countingIds())) {
            log.append(outcome("req-1", "r0"));
        }

        Map<String, Object> members;
        try (AuditRecords records = AuditRecords.open(directory)) {
            members = records.next().toMap();
        }

        assertThat(members.keySet()).containsExactly("seq", "id", "time", "type", "request_id", "status",
                "duration_ms", "response_bytes", "decision_record", "prev");
        assertThat(members).containsEntry("seq", 1L)
                .containsEntry("time", "2026-03-01T12:00:00.123Z")
                .containsEntry("type", "outcome")
                .containsEntry("status", 200)
                .containsEntry("duration_ms", 42L);
    }

    @Test
    void nextNamesMalformedLine() throws IOException {
        AuditFixtures.writeLog(directory, 2);
        Files.writeString(directory.resolve(FileAuditLog.FILE_NAME), "{\"seq\":3}\n", StandardOpenOption.APPEND);

        try (AuditRecords records = AuditRecords.open(directory)) {
            records.next();
            records.next();

            assertThatThrownBy(records::next)
                    .isInstanceOf(IOException.class)
                    .hasMessage("audit.log line 3: member \"id\" is missing");
        }
    }

    @Test
    void streamReportsIncompleteLine() throws IOException {
        AuditFixtures.writeLog(directory, 1);
        Files.writeString(directory.resolve(FileAuditLog.FILE_NAME), "{\"seq\":2", StandardOpenOption.APPEND);

        try (AuditRecords records = AuditRecords.open(directory)) {
            assertThatThrownBy(() -> records.stream().toList())
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("audit.log line 2: final line is incomplete");
        }
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
}
