package dev.agentgateway.audit;

import static dev.agentgateway.audit.AuditFixtures.CLOCK;
import static dev.agentgateway.audit.AuditFixtures.config;
import static dev.agentgateway.audit.AuditFixtures.decision;
import static dev.agentgateway.audit.AuditFixtures.outcome;
import static dev.agentgateway.audit.AuditFixtures.segment;
import static dev.agentgateway.audit.AuditFixtures.writeLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.agentgateway.audit.FaultyChannel.Fault;
import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.config.AuditConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAuditLogTest {

    private static final String ZEROS = "0".repeat(64);

    @TempDir
    Path directory;

    @Test
    void appendWritesCanonicalLine() throws IOException {
        List<AppendedRecord> appended = writeLog(directory, 1);

        String expected = "{\"actor\":\"build-agent\",\"decision\":\"allow\",\"id\":\"r1\","
                + "\"jkt\":\"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I\",\"method\":\"POST\","
                + "\"path\":\"/tools/ops/restart\",\"prev\":\"" + ZEROS + "\","
                + "\"principal\":\"alice (https://idp.example)\",\"proof_jti\":\"pj-req-1\",\"request_id\":\"req-1\","
                + "\"rule\":\"oncall-restart\",\"seq\":1,\"time\":\"2026-03-01T12:00:00.123Z\","
                + "\"token_jti\":\"tj-req-1\",\"tool\":\"ops\",\"type\":\"decision\"}\n";
        byte[] bytes = Files.readAllBytes(logFile());
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(appended.get(0).sequence()).isEqualTo(1);
        assertThat(appended.get(0).id()).isEqualTo("r1");
        assertThat(appended.get(0).hash()).isEqualTo(RecordCodec.sha256Hex(bytes, 0, bytes.length - 1));
    }

    @Test
    void appendWritesNumbersAndChainsPrev() throws IOException {
        AppendedRecord first;
        AppendedRecord second;
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK, FaultyChannel::openAppend)) {
            first = log.append(decision("req-1"));
            second = log.append(outcome("req-1", first.id()));
        }

        List<String> lines = Files.readAllLines(logFile());
        assertThat(lines.get(1)).isEqualTo("{\"decision_record\":\"r1\",\"duration_ms\":42,\"id\":\"r2\","
                + "\"prev\":\"" + first.hash() + "\",\"request_id\":\"req-1\",\"response_bytes\":1234,\"seq\":2,"
                + "\"status\":200,\"time\":\"2026-03-01T12:00:00.123Z\",\"type\":\"outcome\"}");
        assertThat(second.sequence()).isEqualTo(2);
        assertThat(second.hash()).isEqualTo(RecordCodec.sha256Hex(lines.get(1).getBytes(StandardCharsets.UTF_8),
                0, lines.get(1).length()));
    }

    @Test
    void appendWritesTokenAndProofHashes() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK, FaultyChannel::openAppend)) {
            log.append(AuditEvent.builder(AuditEventType.DECISION, "req-1")
                    .tokenHash("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo")
                    .proofHash("9k1iP3SWQ4ZphQTXr1gDEOdhL2mz1tT9bSW7bX9b7yM")
                    .build());
        }

        assertThat(Files.readString(logFile()))
                .contains("\"proof_sha256\":\"9k1iP3SWQ4ZphQTXr1gDEOdhL2mz1tT9bSW7bX9b7yM\",\"request_id\"")
                .contains("\"token_sha256\":\"fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo\",\"type\"");
        try (AuditRecords records = AuditRecords.open(directory)) {
            AuditEvent event = records.next().event();
            assertThat(event.tokenHash()).isEqualTo("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
            assertThat(event.proofHash()).isEqualTo("9k1iP3SWQ4ZphQTXr1gDEOdhL2mz1tT9bSW7bX9b7yM");
        }
    }

    @Test
    void appendKeepsHostileValuesInOneLine() throws IOException {
        List<String> hostile = List.of(
                "line\nbreak",
                "carriage\rreturn\r\n",
                "quote \" and backslash \\",
                "\",\"seq\":99,\"prev\":\"" + ZEROS + "\"}\n{\"seq\":2,\"type\":\"decision\"}",
                "separators \u2028 and \u2029 and NEL \u0085",
                "controls \u0000\u0001\u001b[31m\u007f",
                "bidi \u202e override \u2066 isolate and emoji \uD83D\uDE00");
        List<AuditEvent> events = new ArrayList<>();
        for (String value : hostile) {
            events.add(everyTextMember(value));
        }
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK)) {
            for (AuditEvent event : events) {
                log.append(event);
            }
        }

        byte[] bytes = Files.readAllBytes(logFile());
        long newlines = 0;
        for (byte b : bytes) {
            if (b == '\n') {
                newlines++;
            }
            assertThat(b >= 0 && b < 0x20 && b != '\n').as("raw C0 control byte 0x%02x", b).isFalse();
        }
        assertThat(newlines).as("one line per record").isEqualTo(events.size());
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertThat(text).contains("\"reason\":\"line\\nbreak\"")
                .contains("\"reason\":\"carriage\\rreturn\\r\\n\"")
                .contains("\"reason\":\"quote \\\" and backslash \\\\\"")
                .contains("\"reason\":\"controls \\u0000\\u0001\\u001b[31m\u007f\"")
                .contains("\"reason\":\"separators \u2028 and \u2029 and NEL \u0085\"")
                .contains("\"reason\":\"bidi \u202e override \u2066 isolate and emoji \uD83D\uDE00\"");
        try (AuditRecords records = AuditRecords.open(directory)) {
            List<AuditRecord> all = records.stream().toList();
            assertThat(all.stream().map(AuditRecord::event).toList()).isEqualTo(events);
            assertThat(all).extracting(AuditRecord::sequence).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        }
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(events.size()));
    }

    @Test
    void appendReplacesLoneSurrogates() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK)) {
            log.append(everyTextMember("high \uD800 low \uDC00 reversed \uDC00\uD800 end \uD83D"));
        }

        try (AuditRecords records = AuditRecords.open(directory)) {
            assertThat(records.next().event().reason())
                    .isEqualTo("high \uFFFD low \uFFFD reversed \uFFFD\uFFFD end \uFFFD");
        }
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(1));
    }

    private static AuditEvent everyTextMember(String value) {
        return AuditEvent.builder(AuditEventType.TOKEN_EXCHANGE, value)
                .principal(value).actor(value).tool(value).method(value).path(value).decision(value)
                .rule(value).reason(value).missingAuthority(value).tokenId(value).proofId(value)
                .keyThumbprint(value).tokenHash(value).proofHash(value).decisionRecordId(value)
                .build();
    }

    @Test
    void appendRejectsNegativeNumber() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK)) {
            AuditEvent negative = AuditEvent.builder(AuditEventType.OUTCOME, "req-1").durationMillis(-1L).build();

            assertThatThrownBy(() -> log.append(negative))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("duration_ms rejected: -1");
            assertThat(log.append(decision("req-2")).sequence()).isEqualTo(1);
        }
    }

    @Test
    void reopenContinuesChain() throws IOException {
        List<AppendedRecord> before = writeLog(directory, 3);

        AppendedRecord next;
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK)) {
            assertThat(log.lastDurableSequence()).isEqualTo(3);
            next = log.append(decision("req-4"));
            assertThat(log.lastDurableSequence()).isEqualTo(4);
        }

        assertThat(next.sequence()).isEqualTo(4);
        try (AuditRecords records = AuditRecords.open(directory)) {
            List<AuditRecord> all = records.stream().toList();
            assertThat(all.get(3).prev()).isEqualTo(before.get(2).hash());
            assertThat(all.get(3).hash()).isEqualTo(next.hash());
        }
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(4));
    }

    @Test
    void openCutsTornTail() throws IOException {
        List<AppendedRecord> before = writeLog(directory, 3);
        byte[] torn = "{\"actor\":\"build-agent\",\"deci".getBytes(StandardCharsets.US_ASCII);
        Files.write(logFile(), torn, StandardOpenOption.APPEND);
        long wholeSize = Files.size(logFile()) - torn.length;

        AppendedRecord next;
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = AuditFixtures.open(directory, CLOCK)) {
            assertThat(Files.size(logFile())).isEqualTo(wholeSize);
            assertThat(logs.messages(Level.WARN)).singleElement().asString()
                    .contains(logFile().toString())
                    .contains("cut " + torn.length + " bytes");
            assertThat(logs.messages(Level.ERROR)).isEmpty();
            next = log.append(decision("req-4"));
        }

        assertThat(next.sequence()).isEqualTo(4);
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(4));
        try (AuditRecords records = AuditRecords.open(directory)) {
            assertThat(records.stream().toList().get(3).prev()).isEqualTo(before.get(2).hash());
        }
    }

    @Test
    void openDeletesSegmentHoldingOnlyTornLine() throws IOException {
        Files.writeString(logFile(), "{\"actor\"");

        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = AuditFixtures.open(directory, CLOCK)) {
            assertThat(logs.messages(Level.WARN)).hasSize(2);
            assertThat(logs.messages(Level.WARN).get(0)).contains("cut 8 bytes");
            assertThat(logs.messages(Level.WARN).get(1)).contains("Deleted empty newest audit segment");
            assertThat(logFile()).doesNotExist();
            assertThat(log.append(decision("req-1")).sequence()).isEqualTo(1);
        }

        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(1));
    }

    @Test
    void openCutsTornTailAcrossSegmentBoundary() throws IOException {
        AuditConfig config = config(directory, 4096, Duration.ofDays(1), 100);
        List<AppendedRecord> before = new ArrayList<>();
        try (FileAuditLog log = AuditFixtures.open(config, CLOCK, FaultyChannel::openAppend, CommitObserver.NONE)) {
            for (int i = 1; i <= 20; i++) {
                before.add(log.append(decision("req-" + i)));
            }
        }
        Path crashed = segment(directory, 21);
        Files.writeString(crashed, "{\"actor\":\"build-agent\",");
        List<Path> segmentsBefore = segmentFiles();

        AppendedRecord next;
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = AuditFixtures.open(config, CLOCK, FaultyChannel::openAppend,
                        CommitObserver.NONE)) {
            assertThat(crashed).doesNotExist();
            assertThat(logs.messages(Level.WARN)).anySatisfy(message -> assertThat(message)
                    .contains(crashed.toString()).contains("cut 23 bytes"));
            next = log.append(decision("req-21"));
        }

        assertThat(segmentsBefore.size()).isGreaterThan(2);
        assertThat(next.sequence()).isEqualTo(21);
        try (AuditRecords records = AuditRecords.open(directory, 20)) {
            AuditRecord record = records.next();
            assertThat(record.prev()).isEqualTo(before.get(19).hash());
        }
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(21));
    }

    @Test
    void openRejectsTornLineInOlderSegment() throws IOException {
        AuditConfig config = config(directory, 4096, Duration.ofDays(1), 100);
        try (FileAuditLog log = AuditFixtures.open(config, CLOCK, FaultyChannel::openAppend, CommitObserver.NONE)) {
            for (int i = 1; i <= 20; i++) {
                log.append(decision("req-" + i));
            }
        }
        Files.writeString(logFile(), "{\"actor\"", StandardOpenOption.APPEND);

        assertThatThrownBy(() -> FileAuditLog.open(config, AuditFixtures.KEY, CLOCK, CommitObserver.NONE))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(logFile().toString())
                .hasMessageContaining("incomplete line of 8 bytes although a newer segment follows it");
    }

    @Test
    void openRejectsGapBetweenSegments() throws IOException {
        AuditConfig config = config(directory, 4096, Duration.ofDays(1), 100);
        try (FileAuditLog log = AuditFixtures.open(config, CLOCK, FaultyChannel::openAppend, CommitObserver.NONE)) {
            for (int i = 1; i <= 20; i++) {
                log.append(decision("req-" + i));
            }
        }
        List<Path> segments = segmentFiles();
        Files.delete(segments.get(1));

        assertThatThrownBy(() -> FileAuditLog.open(config, AuditFixtures.KEY, CLOCK, CommitObserver.NONE))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(segments.get(2).toString())
                .hasMessageContaining("records are missing");
    }

    @Test
    void openRejectsLegacyLog() throws IOException {
        Files.writeString(directory.resolve("audit.log"), "{}\n");

        assertThatThrownBy(() -> AuditFixtures.open(directory, CLOCK))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(directory.resolve("audit.log").getFileName().toString())
                .hasMessageContaining("earlier single-file format")
                .hasMessageContaining("Move it out of the directory");
        assertThat(segmentFiles()).isEmpty();
    }

    @Test
    void segmentRollsBySize() throws IOException {
        AuditConfig config = config(directory, 4096, Duration.ofDays(1), 100);
        List<AppendedRecord> appended = new ArrayList<>();
        try (FileAuditLog log = AuditFixtures.open(config, CLOCK, FaultyChannel::openAppend, CommitObserver.NONE)) {
            for (int i = 1; i <= 50; i++) {
                appended.add(log.append(decision("req-" + i)));
            }
        }

        List<Path> segments = segmentFiles();
        assertThat(segments.size()).isGreaterThan(5);
        long first = 1;
        for (Path file : segments) {
            assertThat(file.getFileName().toString()).isEqualTo(String.format("audit-%020d.log", first));
            assertThat(Files.size(file)).as("size of %s", file).isLessThanOrEqualTo(4096);
            List<String> lines = Files.readAllLines(file);
            assertThat(lines).isNotEmpty();
            assertThat(lines.get(0)).contains("\"seq\":" + first + ",");
            first += lines.size();
        }
        assertThat(first).isEqualTo(51);
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(50));
    }

    @Test
    void segmentHoldsOversizedRecordAlone() throws IOException {
        AuditConfig config = config(directory, 4096, Duration.ofDays(1), 100);
        try (FileAuditLog log = AuditFixtures.open(config, CLOCK, FaultyChannel::openAppend, CommitObserver.NONE)) {
            log.append(decision("req-1"));
            log.append(AuditEvent.builder(AuditEventType.DECISION, "req-2").reason("x".repeat(5000)).build());
            log.append(decision("req-3"));
        }

        assertThat(segmentFiles()).extracting(file -> file.getFileName().toString()).containsExactly(
                "audit-00000000000000000001.log", "audit-00000000000000000002.log", "audit-00000000000000000003.log");
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(3));
    }

    @Test
    void segmentRollsByAge() throws IOException {
        AuditFixtures.ManualClock clock = new AuditFixtures.ManualClock(CLOCK.instant());
        AuditConfig config = config(directory, AuditConfig.DEFAULT_SEGMENT_MAX_BYTES, Duration.ofHours(1), 100);
        try (FileAuditLog log = AuditFixtures.open(config, clock, FaultyChannel::openAppend, CommitObserver.NONE)) {
            log.append(decision("req-1"));
            clock.advance(Duration.ofMinutes(59));
            log.append(decision("req-2"));
            clock.advance(Duration.ofMinutes(1));
            log.append(decision("req-3"));
            clock.advance(Duration.ofMinutes(30));
            log.append(decision("req-4"));
        }
        clock.advance(Duration.ofMinutes(30));
        try (FileAuditLog log = AuditFixtures.open(config, clock, FaultyChannel::openAppend, CommitObserver.NONE)) {
            log.append(decision("req-5"));
        }

        assertThat(segmentFiles()).extracting(file -> file.getFileName().toString()).containsExactly(
                "audit-00000000000000000001.log", "audit-00000000000000000003.log", "audit-00000000000000000005.log");
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(5));
    }

    @Test
    void partialWriteIsCutBeforeNextBatch() throws IOException {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = AuditFixtures.open(directory, CLOCK, faults.opener())) {
            AppendedRecord first = log.append(decision("req-1"));
            long goodSize = Files.size(logFile());

            faults.set(Fault.PARTIAL_WRITE);
            assertThatThrownBy(() -> log.append(decision("req-2")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("writing audit records from seq 2 to " + directory + " failed")
                    .hasMessageContaining("simulated write failure");
            long tornBytes = Files.size(logFile()) - goodSize;
            assertThat(tornBytes).isPositive();
            assertThat(log.lastDurableSequence()).isEqualTo(1);

            faults.set(Fault.NONE);
            AppendedRecord second = log.append(decision("req-3"));

            assertThat(second.sequence()).as("the failed append did not use up a sequence number").isEqualTo(2);
            assertThat(logs.messages(Level.WARN)).singleElement().asString()
                    .contains("cut " + tornBytes + " bytes")
                    .contains("after record 1");
            try (AuditRecords records = AuditRecords.open(directory)) {
                List<AuditRecord> all = records.stream().toList();
                assertThat(all).hasSize(2);
                assertThat(all.get(1).prev()).isEqualTo(first.hash());
                assertThat(all.get(1).event().requestId()).isEqualTo("req-3");
            }
        }
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(2));
    }

    @Test
    void failedForceIsNotAcknowledged() throws IOException {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = AuditFixtures.open(directory, CLOCK, faults.opener())) {
            log.append(decision("req-1"));
            long goodSize = Files.size(logFile());
            int openedBefore = faults.opened();

            faults.set(Fault.FAILED_FORCE);
            assertThatThrownBy(() -> log.append(decision("req-2")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("simulated fsync failure");
            assertThatThrownBy(() -> log.append(decision("req-3")))
                    .as("the repair cannot force either, so the log keeps failing closed")
                    .isInstanceOf(AuditWriteException.class);
            assertThat(Files.size(logFile())).as("the repair cut the unacknowledged line").isEqualTo(goodSize);

            faults.set(Fault.NONE);
            AppendedRecord next = log.append(decision("req-4"));

            assertThat(next.sequence()).isEqualTo(2);
            assertThat(faults.opened()).as("each repair reopens the segment").isGreaterThan(openedBefore + 1);
            assertThat(logs.messages(Level.WARN)).isNotEmpty();
            List<String> lines = Files.readAllLines(logFile());
            assertThat(lines).hasSize(2);
            assertThat(lines.get(1)).contains("\"request_id\":\"req-4\"");
        }
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(2));
    }

    @Test
    void diskFullShortWriteFailsBatch() throws IOException {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK, faults.opener())) {
            log.append(decision("req-1"));
            long goodSize = Files.size(logFile());

            faults.set(Fault.DISK_FULL);
            CompletableFuture<AppendedRecord> failing = log.appendAsync(decision("req-2"));
            assertThatThrownBy(failing::join).hasCauseInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("No space left on device");
            assertThat(Files.size(logFile())).as("part of the line reached the file").isGreaterThan(goodSize);

            faults.set(Fault.NONE);
            assertThat(log.append(decision("req-3")).sequence()).isEqualTo(2);
            assertThat(log.lastDurableSequence()).isEqualTo(2);
        }
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(2));
    }

    @Test
    void closeCutsPartialWrite() throws IOException {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        long goodSize;
        try (CapturedLogs logs = new CapturedLogs()) {
            try (FileAuditLog log = AuditFixtures.open(directory, CLOCK, faults.opener())) {
                log.append(decision("req-1"));
                goodSize = Files.size(logFile());
                faults.set(Fault.PARTIAL_WRITE);
                assertThatThrownBy(() -> log.append(decision("req-2"))).isInstanceOf(AuditWriteException.class);
                assertThat(Files.size(logFile())).as("torn bytes before close").isGreaterThan(goodSize);
                faults.set(Fault.NONE);
            }

            assertThat(logs.messages(Level.WARN)).singleElement().asString().contains("after record 1");
        }
        assertThat(Files.size(logFile())).isEqualTo(goodSize);
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(1));
    }

    @Test
    void failedReopenKeepsFailingUntilFixed() throws IOException {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK, faults.opener())) {
            log.append(decision("req-1"));
            faults.set(Fault.PARTIAL_WRITE);
            assertThatThrownBy(() -> log.append(decision("req-2"))).isInstanceOf(AuditWriteException.class);

            faults.set(Fault.FAILED_OPEN);
            assertThatThrownBy(() -> log.append(decision("req-3")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("simulated open failure");
            assertThatThrownBy(log::checkWritable)
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("simulated open failure");

            faults.set(Fault.NONE);
            log.checkWritable();
            assertThat(log.append(decision("req-4")).sequence()).isEqualTo(2);
        }
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(2));
    }

    @Test
    void failureInNewSegmentDeletesIt() throws IOException {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        AuditConfig config = config(directory, 4096, Duration.ofDays(1), 100);
        try (FileAuditLog log = AuditFixtures.open(config, CLOCK, faults.opener(), CommitObserver.NONE)) {
            long sequence = 0;
            while (segmentFiles().size() < 2) {
                sequence = log.append(decision("req-" + sequence)).sequence();
            }
            faults.set(Fault.FAILED_FORCE);
            long rolled = sequence;
            while (segmentFiles().size() < 3) {
                assertThatThrownBy(() -> log.append(decision("req-x"))).isInstanceOf(AuditWriteException.class);
                faults.set(Fault.NONE);
                rolled = log.append(decision("req-y")).sequence();
                faults.set(Fault.FAILED_FORCE);
            }
            faults.set(Fault.NONE);
            assertThat(rolled).isGreaterThan(sequence);
        }
        assertThat(segmentFiles()).allSatisfy(file -> assertThat(Files.size(file)).isPositive());
        assertThat(ChainCheck.verify(directory).valid()).isTrue();
    }

    @Test
    void interruptedCallerStillGetsRecord() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK)) {
            log.append(decision("req-1"));

            Thread.currentThread().interrupt();
            AppendedRecord second;
            try {
                second = log.append(decision("req-2"));
            } finally {
                assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
            }
            AppendedRecord third = log.append(decision("req-3"));

            assertThat(second.sequence()).isEqualTo(2);
            assertThat(third.sequence()).isEqualTo(3);
        }
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(3));
    }

    @Test
    void checkWritableLeavesLogUnchanged() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK, FaultyChannel::openAppend)) {
            log.checkWritable();
            assertThat(segmentFiles()).as("a check on an empty log creates no segment").isEmpty();
            log.append(decision("req-1"));
            byte[] before = Files.readAllBytes(logFile());

            log.checkWritable();

            assertThat(Files.readAllBytes(logFile())).isEqualTo(before);
            assertThat(log.append(decision("req-2")).sequence()).isEqualTo(2);
        }
        assertThat(directory.resolve(FileAuditLog.LOCK_FILE_NAME)).isEmptyFile();
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(2));
    }

    @Test
    void checkWritableFailsWhileForceFails() throws IOException {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK, faults.opener())) {
            AppendedRecord first = log.append(decision("req-1"));
            long goodSize = Files.size(logFile());

            faults.set(Fault.FAILED_FORCE);
            assertThatThrownBy(log::checkWritable)
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("checking that " + directory + " takes another record failed")
                    .hasMessageContaining("simulated fsync failure");
            assertThat(Files.size(logFile())).as("probe bytes left by the failed check").isGreaterThan(goodSize);

            faults.set(Fault.NONE);
            log.checkWritable();

            assertThat(Files.size(logFile())).as("size after the next check cut the probe").isEqualTo(goodSize);
            AppendedRecord second = log.append(decision("req-2"));
            assertThat(second.sequence()).isEqualTo(2);
            try (AuditRecords records = AuditRecords.open(directory)) {
                assertThat(records.stream().toList().get(1).prev()).isEqualTo(first.hash());
            }
        }
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(2));
    }

    @Test
    void checkWritableAfterCloseFails() throws IOException {
        FileAuditLog log = AuditFixtures.open(directory, CLOCK);
        log.close();

        assertThatThrownBy(log::checkWritable)
                .isInstanceOf(AuditWriteException.class)
                .hasMessageContaining("audit log is closed");
    }

    @Test
    void appendAfterCloseFails() throws IOException {
        FileAuditLog log = AuditFixtures.open(directory, CLOCK);
        log.append(decision("req-1"));
        log.close();
        log.close();

        assertThatThrownBy(() -> log.append(decision("req-2")))
                .isInstanceOf(AuditWriteException.class)
                .hasMessageContaining("audit log is closed")
                .hasMessageContaining(directory.toString());
        assertThat(Files.readAllLines(logFile())).hasSize(1);
    }

    @Test
    void closeWritesQueuedRecords() throws IOException {
        List<CompletableFuture<AppendedRecord>> futures = new ArrayList<>();
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK)) {
            for (int i = 1; i <= 500; i++) {
                futures.add(log.appendAsync(decision("req-" + i)));
            }
        }

        assertThat(futures).allSatisfy(future -> assertThat(future).isCompleted().isNotCompletedExceptionally());
        assertThat(futures.get(499).join().sequence()).isEqualTo(500);
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(500));
    }

    @Test
    void fullQueueFailsAtOnce() throws Exception {
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CommitObserver blocking = new CommitObserver() {
            @Override
            public void batchCommitted(int records, long bytes, long syncNanos) {
                blocked.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        AuditConfig config = config(directory, AuditConfig.DEFAULT_SEGMENT_MAX_BYTES, Duration.ofDays(1), 3);
        List<CompletableFuture<AppendedRecord>> queued = new ArrayList<>();
        try (FileAuditLog log = AuditFixtures.open(config, CLOCK, FaultyChannel::openAppend, blocking)) {
            CompletableFuture<AppendedRecord> first = log.appendAsync(decision("req-1"));
            assertThat(blocked.await(30, TimeUnit.SECONDS)).as("writer is inside the observer").isTrue();
            for (int i = 2; i <= 4; i++) {
                queued.add(log.appendAsync(decision("req-" + i)));
            }

            CompletableFuture<AppendedRecord> rejected = log.appendAsync(decision("req-5"));

            assertThat(rejected).isCompletedExceptionally();
            assertThatThrownBy(rejected::join).hasCauseInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit queue is full (3 records waiting)");
            assertThat(first.join().sequence()).as("completed before the observer ran").isEqualTo(1);
            release.countDown();
            assertThat(queued.get(2).get(30, TimeUnit.SECONDS).sequence()).isEqualTo(4);
            assertThat(log.append(decision("req-6")).sequence()).isEqualTo(5);
        }
    }

    @Test
    void queuedRecordsShareOneFsync() throws Exception {
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        CommitObserver observer = new CommitObserver() {
            @Override
            public void batchCommitted(int records, long bytes, long syncNanos) {
                batchSizes.add(records);
                blocked.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        String large = "z".repeat(900_000);
        List<CompletableFuture<AppendedRecord>> futures = new ArrayList<>();
        try (FileAuditLog log = AuditFixtures.open(new AuditConfig(directory), CLOCK, FaultyChannel::openAppend,
                observer)) {
            futures.add(log.appendAsync(decision("req-0")));
            assertThat(blocked.await(30, TimeUnit.SECONDS)).as("writer is inside the observer").isTrue();
            for (int i = 1; i <= 50; i++) {
                futures.add(log.appendAsync(decision("req-" + i)));
            }
            for (int i = 51; i <= 56; i++) {
                futures.add(log.appendAsync(AuditEvent.builder(AuditEventType.DECISION, "req-" + i)
                        .reason(large).build()));
            }
            release.countDown();
            futures.get(56).get(30, TimeUnit.SECONDS);
        }

        assertThat(batchSizes.get(0)).isEqualTo(1);
        assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(57);
        assertThat(batchSizes.size()).as("a batch past 4 MiB is written in parts").isEqualTo(3);
        assertThat(batchSizes.get(1)).as("the 50 small records and the first large ones").isGreaterThan(50);
        assertThat(futures).allSatisfy(future -> assertThat(future).isCompleted().isNotCompletedExceptionally());
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(57));
    }

    @Test
    void writerFailureFailsLaterAppends() throws IOException {
        CommitObserver failing = new CommitObserver() {
            @Override
            public void batchCommitted(int records, long bytes, long syncNanos) {
                throw new StackOverflowError("simulated fatal error");
            }
        };
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = AuditFixtures.open(new AuditConfig(directory), CLOCK, FaultyChannel::openAppend,
                        failing)) {
            AppendedRecord first = log.append(decision("req-1"));

            assertThat(first.sequence()).as("durable before the observer failed").isEqualTo(1);
            assertThatThrownBy(() -> log.append(decision("req-2")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit writer thread for " + directory + " failed")
                    .hasMessageContaining("simulated fatal error");
            assertThat(logs.messages(Level.ERROR)).singleElement().asString().contains("Audit writer thread");
        }
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(1));
    }

    @Test
    void observerSeesBatchFigures() throws IOException {
        List<long[]> batches = Collections.synchronizedList(new ArrayList<>());
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        List<Integer> failures = Collections.synchronizedList(new ArrayList<>());
        CommitObserver observer = new CommitObserver() {
            @Override
            public void batchCommitted(int records, long bytes, long syncNanos) {
                batches.add(new long[] {records, bytes, syncNanos});
            }

            @Override
            public void recordCommitted(long latencyNanos) {
                latencies.add(latencyNanos);
            }

            @Override
            public void batchFailed(int records) {
                failures.add(records);
            }
        };
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        try (FileAuditLog log = AuditFixtures.open(new AuditConfig(directory), CLOCK, faults.opener(), observer)) {
            log.append(decision("req-1"));
            faults.set(Fault.PARTIAL_WRITE);
            assertThatThrownBy(() -> log.append(decision("req-2"))).isInstanceOf(AuditWriteException.class);
            faults.set(Fault.NONE);
            log.append(decision("req-3"));
        }

        long fileSize = Files.size(logFile());
        assertThat(batches).hasSize(2);
        assertThat(batches.stream().mapToLong(batch -> batch[0]).sum()).isEqualTo(2);
        assertThat(batches.stream().mapToLong(batch -> batch[1]).sum()).isEqualTo(fileSize);
        assertThat(batches).allSatisfy(batch -> assertThat(batch[2]).isNotNegative());
        assertThat(latencies).hasSize(2).allSatisfy(latency -> assertThat(latency).isNotNegative());
        assertThat(failures).containsExactly(1);
    }

    @Test
    void concurrentAppendsStayConsecutive() throws Exception {
        int threads = 16;
        int perThread = 300;
        List<AppendedRecord> appended = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AuditConfig config = config(directory, 64 * 1024, Duration.ofDays(1), threads * perThread);
        try (FileAuditLog log = FileAuditLog.open(config, AuditFixtures.KEY, CLOCK, CommitObserver.NONE)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    List<CompletableFuture<AppendedRecord>> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        if (i % 3 == 0) {
                            appended.add(log.append(decision("req-" + thread + "-" + i)));
                        } else {
                            mine.add(log.appendAsync(decision("req-" + thread + "-" + i)));
                        }
                    }
                    for (CompletableFuture<AppendedRecord> future : mine) {
                        appended.add(future.join());
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(120, TimeUnit.SECONDS);
            }
            assertThat(log.lastDurableSequence()).isEqualTo(threads * perThread);
        } finally {
            pool.shutdownNow();
        }

        int total = threads * perThread;
        List<AppendedRecord> sorted = appended.stream()
                .sorted((a, b) -> Long.compare(a.sequence(), b.sequence()))
                .toList();
        assertThat(sorted.stream().map(AppendedRecord::sequence).toList())
                .isEqualTo(LongStream.rangeClosed(1, total).boxed().toList());
        assertThat(appended.stream().map(AppendedRecord::id).distinct().count()).isEqualTo(total);
        assertThat(segmentFiles().size()).as("the records span several segments").isGreaterThan(1);
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(total));
        try (AuditRecords records = AuditRecords.open(directory)) {
            String prev = ZEROS;
            for (AppendedRecord acknowledged : sorted) {
                AuditRecord record = records.next();
                assertThat(record.sequence()).isEqualTo(acknowledged.sequence());
                assertThat(record.id()).isEqualTo(acknowledged.id());
                assertThat(record.prev()).as("prev of %d", record.sequence()).isEqualTo(prev);
                assertThat(record.hash()).isEqualTo(acknowledged.hash());
                prev = record.hash();
            }
            assertThat(records.next()).isNull();
        }
    }

    @Test
    void openCreatesOwnerOnlyPaths() throws IOException {
        Assumptions.assumeTrue(directory.getFileSystem().supportedFileAttributeViews().contains("posix"),
                "needs POSIX file permissions");
        Path nested = directory.resolve("data/audit");

        try (FileAuditLog log = AuditFixtures.open(nested, CLOCK)) {
            log.append(decision("req-1"));
        }

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory.resolve("data"))))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(nested))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(segment(nested, 1))))
                .isEqualTo("rw-------");
    }

    @Test
    void openCreatesDirectoryWithoutSegment() throws IOException {
        Path nested = directory.resolve("a/b/audit");

        try (FileAuditLog log = AuditFixtures.open(nested, CLOCK)) {
            assertThat(log.directory()).isEqualTo(nested);
            assertThat(log.lastDurableSequence()).isZero();
        }

        assertThat(nested).isDirectory();
        assertThat(segment(nested, 1)).doesNotExist();
    }

    @Test
    void openRejectsFileAsDirectory() throws IOException {
        Path notDirectory = Files.writeString(directory.resolve("plain-file"), "x");

        assertThatThrownBy(() -> AuditFixtures.open(notDirectory, CLOCK))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(notDirectory.toString());
    }

    @Test
    void openRejectsReadOnlyDirectory() throws IOException {
        Path readOnly = Files.createDirectory(directory.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Assumptions.assumeFalse(Files.isWritable(readOnly),
                    "file modes do not restrict this user (root), so failedForceIsNotAcknowledged and"
                            + " partialWriteIsCutBeforeNextBatch cover write failures instead");

            assertThatThrownBy(() -> AuditFixtures.open(readOnly, CLOCK))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(readOnly.toString())
                    .hasMessageContaining("not writable");
        } finally {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void secondOpenIsRejected() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK)) {
            log.append(decision("req-1"));

            assertThatThrownBy(() -> AuditFixtures.open(directory, CLOCK))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("already in use in this process")
                    .hasMessageContaining(directory.toString());
        }
    }

    @Test
    void openContinuesInvalidChain() throws IOException {
        writeLog(directory, 1);
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK, FaultyChannel::openAppend)) {
            log.append(decision("req-2"));
            log.append(decision("req-3"));
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(logFile()));
        lines.set(1, lines.get(1).replace("req-2", "req-X"));
        Files.write(logFile(), lines);
        // As after a crash after the first checkpoint: a checkpoint over the changed record would stop the open.
        Path checkpoints = directory.resolve(FileAuditLog.CHECKPOINT_FILE_NAME);
        Files.write(checkpoints, Files.readAllLines(checkpoints).subList(0, 1));
        byte[] bytes = Files.readAllBytes(logFile());
        String lastLineHash = RecordCodec.sha256Hex(bytes, bytes.length - 1 - lines.get(2).length(),
                lines.get(2).length());

        AppendedRecord next;
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = AuditFixtures.open(directory, CLOCK, FaultyChannel::openAppend)) {
            assertThat(logs.messages(Level.ERROR)).singleElement().asString()
                    .contains("line 3")
                    .contains("prev does not match the hash of record 2");
            next = log.append(decision("req-4"));
            log.append(decision("req-5"));
            assertThat(logs.messages(Level.ERROR)).as("logged once per open").hasSize(1);
        }

        assertThat(next.sequence()).isEqualTo(4);
        try (AuditRecords records = AuditRecords.open(directory)) {
            assertThat(records.stream().toList().get(3).prev()).isEqualTo(lastLineHash);
        }
        ChainCheck.Result result = ChainCheck.verify(directory);
        assertThat(result.valid()).isFalse();
        assertThat(result.firstBadLine()).isEqualTo(2);
    }

    @Test
    void appendRejectsOversizedRecord() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK, FaultyChannel::openAppend)) {
            AuditEvent huge = AuditEvent.builder(AuditEventType.DECISION, "req-1")
                    .reason("x".repeat(RecordCodec.MAX_LINE_BYTES))
                    .build();
            int fits = RecordCodec.MAX_LINE_BYTES - RecordCodec.encodeRecord(2, "rX", CLOCK.instant(),
                    AuditEvent.builder(AuditEventType.DECISION, "req-3").reason("").build(), ZEROS).length;
            AuditEvent largest = AuditEvent.builder(AuditEventType.DECISION, "req-3").reason("y".repeat(fits))
                    .build();
            AuditEvent oneMore = AuditEvent.builder(AuditEventType.DECISION, "req-3").reason("y".repeat(fits + 1))
                    .build();

            assertThatThrownBy(() -> log.append(huge))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("maximum: " + RecordCodec.MAX_LINE_BYTES);
            assertThat(log.append(decision("req-2")).sequence()).isEqualTo(1);
            assertThatThrownBy(() -> log.append(oneMore))
                    .as("one byte over the limit at a one-digit seq")
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("maximum: " + RecordCodec.MAX_LINE_BYTES);
            assertThat(log.append(largest).sequence()).isEqualTo(2);
        }
        assertThat(ChainCheck.verify(directory)).isEqualTo(ChainCheck.Result.valid(2));
    }

    private Path logFile() {
        return segment(directory, 1);
    }

    private List<Path> segmentFiles() throws IOException {
        try (var files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().startsWith("audit-")).sorted().toList();
        }
    }
}
