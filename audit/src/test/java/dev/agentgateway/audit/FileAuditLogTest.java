package dev.agentgateway.audit;

import static dev.agentgateway.audit.AuditFixtures.CLOCK;
import static dev.agentgateway.audit.AuditFixtures.countingIds;
import static dev.agentgateway.audit.AuditFixtures.decision;
import static dev.agentgateway.audit.AuditFixtures.outcome;
import static dev.agentgateway.audit.AuditFixtures.writeLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.agentgateway.audit.internal.RecordCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAuditLogTest {

    private static final String ZEROS = "0".repeat(64);

    @TempDir
    Path directory;

    @Test
    void appendWritesExactLine() throws IOException {
        List<AppendedRecord> appended = writeLog(directory, 1);

        String expected = "{\"seq\":1,\"id\":\"r1\",\"time\":\"2026-03-01T12:00:00.123Z\",\"type\":\"decision\","
                + "\"request_id\":\"req-1\",\"principal\":\"alice (https://idp.example)\",\"actor\":\"build-agent\","
                + "\"tool\":\"ops\",\"method\":\"POST\",\"path\":\"/tools/ops/restart\",\"decision\":\"allow\","
                + "\"rule\":\"oncall-restart\",\"token_jti\":\"tj-req-1\",\"proof_jti\":\"pj-req-1\","
                + "\"jkt\":\"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I\",\"prev\":\"" + ZEROS + "\"}\n";
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
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK, FaultyChannel::openAppend, countingIds())) {
            first = log.append(decision("req-1"));
            second = log.append(outcome("req-1", first.id()));
        }

        List<String> lines = Files.readAllLines(logFile());
        assertThat(lines.get(1)).isEqualTo("{\"seq\":2,\"id\":\"r2\",\"time\":\"2026-03-01T12:00:00.123Z\","
                + "\"type\":\"outcome\",\"request_id\":\"req-1\",\"status\":200,\"duration_ms\":42,"
                + "\"response_bytes\":1234,\"decision_record\":\"r1\",\"prev\":\"" + first.hash() + "\"}");
        assertThat(second.sequence()).isEqualTo(2);
    }

    @Test
    void appendEscapesHostileValues() throws IOException {
        List<String> hostile = List.of(
                "line\nbreak",
                "carriage\rreturn\r\n",
                "quote \" and backslash \\",
                "\",\"seq\":99,\"prev\":\"" + ZEROS + "\"}\n{\"seq\":2",
                "separators \u2028 and \u2029 and NEL \u0085",
                "controls \u0000\u0001\u001b[31m\u007f",
                "bidi \u202e override and emoji \uD83D\uDE00",
                "lone surrogate \uD800 end");
        List<AuditEvent> events = new ArrayList<>();
        for (String value : hostile) {
            events.add(AuditEvent.builder(AuditEventType.TOKEN_EXCHANGE, value)
                    .principal(value).actor(value).tool(value).method(value).path(value).decision(value)
                    .rule(value).reason(value).missingAuthority(value).tokenId(value).proofId(value)
                    .keyThumbprint(value).decisionRecordId(value)
                    .build());
        }
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK)) {
            for (AuditEvent event : events) {
                log.append(event);
            }
        }

        byte[] bytes = Files.readAllBytes(logFile());
        long newlines = 0;
        for (byte b : bytes) {
            if (b == '\n') {
                newlines++;
            } else {
                assertThat(b).as("every byte except the newlines is printable ASCII").isBetween((byte) 0x20,
                        (byte) 0x7e);
            }
        }
        assertThat(newlines).as("one line per record").isEqualTo(events.size());
        try (AuditRecords records = AuditRecords.open(directory)) {
            assertThat(records.stream().map(AuditRecord::event).toList()).isEqualTo(events);
        }
        assertThat(LegacyChain.verify(directory).valid()).isTrue();
    }

    @Test
    void reopenContinuesChain() throws IOException {
        List<AppendedRecord> before = writeLog(directory, 3);

        AppendedRecord next;
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK)) {
            next = log.append(decision("req-4"));
        }

        assertThat(next.sequence()).isEqualTo(4);
        try (AuditRecords records = AuditRecords.open(directory)) {
            List<AuditRecord> all = records.stream().toList();
            assertThat(all.get(3).prev()).isEqualTo(before.get(2).hash());
            assertThat(all.get(3).hash()).isEqualTo(next.hash());
        }
        assertThat(LegacyChain.verify(directory)).isEqualTo(LegacyChain.Result.valid(4));
    }

    @Test
    void openCutsTornTail() throws IOException {
        List<AppendedRecord> before = writeLog(directory, 3);
        byte[] torn = "{\"seq\":4,\"id\":\"r4\",\"ti".getBytes(StandardCharsets.US_ASCII);
        Files.write(logFile(), torn, StandardOpenOption.APPEND);
        long wholeSize = Files.size(logFile()) - torn.length;

        AppendedRecord next;
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = FileAuditLog.open(directory, CLOCK)) {
            assertThat(Files.size(logFile())).isEqualTo(wholeSize);
            assertThat(logs.messages(Level.WARN)).singleElement().asString()
                    .contains("cut " + torn.length + " bytes");
            assertThat(logs.messages(Level.ERROR)).isEmpty();
            next = log.append(decision("req-4"));
        }

        assertThat(next.sequence()).isEqualTo(4);
        assertThat(LegacyChain.verify(directory)).isEqualTo(LegacyChain.Result.valid(4));
        try (AuditRecords records = AuditRecords.open(directory)) {
            assertThat(records.stream().toList().get(3).prev()).isEqualTo(before.get(2).hash());
        }
    }

    @Test
    void openCutsTornFirstLine() throws IOException {
        Files.createDirectories(directory);
        Files.writeString(logFile(), "{\"seq\":1,\"id\"");

        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = FileAuditLog.open(directory, CLOCK)) {
            assertThat(logs.messages(Level.WARN)).singleElement().asString().contains("cut 13 bytes");
            assertThat(log.append(decision("req-1")).sequence()).isEqualTo(1);
        }

        assertThat(LegacyChain.verify(directory)).isEqualTo(LegacyChain.Result.valid(1));
    }

    @Test
    void partialWriteIsCutOnNextAppend() throws IOException {
        AtomicReference<FaultyChannel> channel = new AtomicReference<>();
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = FileAuditLog.open(directory, CLOCK, file -> {
                    channel.set(FaultyChannel.openAppend(file));
                    return channel.get();
                }, countingIds())) {
            AppendedRecord first = log.append(decision("req-1"));
            long goodSize = Files.size(logFile());

            channel.get().fault(FaultyChannel.Fault.PARTIAL_WRITE);
            assertThatThrownBy(() -> log.append(decision("req-2")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("writing audit record 2 to " + logFile() + " failed")
                    .hasMessageContaining("simulated write failure");
            long tornBytes = Files.size(logFile()) - goodSize;
            assertThat(tornBytes).isPositive();
            assertThat(LegacyChain.verify(directory).problem()).isEqualTo("final line is incomplete");

            channel.get().fault(FaultyChannel.Fault.NONE);
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
        assertThat(LegacyChain.verify(directory)).isEqualTo(LegacyChain.Result.valid(2));
    }

    @Test
    void failedForceIsNotAcknowledged() throws IOException {
        AtomicReference<FaultyChannel> channel = new AtomicReference<>();
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = FileAuditLog.open(directory, CLOCK, file -> {
                    channel.set(FaultyChannel.openAppend(file));
                    return channel.get();
                }, countingIds())) {
            log.append(decision("req-1"));
            long goodSize = Files.size(logFile());

            channel.get().fault(FaultyChannel.Fault.FAILED_FORCE);
            assertThatThrownBy(() -> log.append(decision("req-2")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("simulated fsync failure");
            assertThatThrownBy(() -> log.append(decision("req-3")))
                    .as("the repair cannot force either, so the log keeps failing closed")
                    .isInstanceOf(AuditWriteException.class);

            channel.get().fault(FaultyChannel.Fault.NONE);
            AppendedRecord next = log.append(decision("req-4"));

            assertThat(next.sequence()).isEqualTo(2);
            assertThat(logs.messages(Level.WARN)).isNotEmpty();
            assertThat(Files.readAllLines(logFile())).hasSize(2);
            assertThat(Files.size(logFile())).isGreaterThan(goodSize);
        }
        assertThat(LegacyChain.verify(directory)).isEqualTo(LegacyChain.Result.valid(2));
    }

    @Test
    void interruptedAppendRecovers() throws IOException {
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK)) {
            log.append(decision("req-1"));

            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> log.append(decision("req-2")))
                        .isInstanceOf(AuditWriteException.class);
            } finally {
                Thread.interrupted();
            }
            AppendedRecord next = log.append(decision("req-3"));

            assertThat(next.sequence()).isEqualTo(2);
        }
        assertThat(LegacyChain.verify(directory)).isEqualTo(LegacyChain.Result.valid(2));
    }

    @Test
    void checkWritableLeavesLogUnchanged() throws IOException {
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK, FaultyChannel::openAppend, countingIds())) {
            log.append(decision("req-1"));
            byte[] before = Files.readAllBytes(logFile());

            log.checkWritable();

            assertThat(Files.readAllBytes(logFile())).isEqualTo(before);
            assertThat(log.append(decision("req-2")).sequence()).isEqualTo(2);
        }
        assertThat(LegacyChain.verify(directory)).isEqualTo(LegacyChain.Result.valid(2));
    }

    @Test
    void checkWritableFailsWhileForceFails() throws IOException {
        AtomicReference<FaultyChannel> channel = new AtomicReference<>();
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = FileAuditLog.open(directory, CLOCK, file -> {
                    channel.set(FaultyChannel.openAppend(file));
                    return channel.get();
                }, countingIds())) {
            AppendedRecord first = log.append(decision("req-1"));
            long goodSize = Files.size(logFile());

            channel.get().fault(FaultyChannel.Fault.FAILED_FORCE);
            assertThatThrownBy(log::checkWritable)
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("checking that " + logFile() + " takes another record failed")
                    .hasMessageContaining("simulated fsync failure");
            assertThat(Files.size(logFile())).as("probe bytes left by the failed check").isGreaterThan(goodSize);

            channel.get().fault(FaultyChannel.Fault.NONE);
            log.checkWritable();

            assertThat(Files.size(logFile())).as("size after the next check cut the probe").isEqualTo(goodSize);
            AppendedRecord second = log.append(decision("req-2"));
            assertThat(second.sequence()).isEqualTo(2);
            try (AuditRecords records = AuditRecords.open(directory)) {
                assertThat(records.stream().toList().get(1).prev()).isEqualTo(first.hash());
            }
        }
        assertThat(LegacyChain.verify(directory)).isEqualTo(LegacyChain.Result.valid(2));
    }

    @Test
    void checkWritableAfterCloseFails() throws IOException {
        FileAuditLog log = FileAuditLog.open(directory, CLOCK);
        log.close();

        assertThatThrownBy(log::checkWritable)
                .isInstanceOf(AuditWriteException.class)
                .hasMessageContaining("audit log is closed");
    }

    @Test
    void appendAfterCloseFails() throws IOException {
        FileAuditLog log = FileAuditLog.open(directory, CLOCK);
        log.append(decision("req-1"));
        log.close();
        log.close();

        assertThatThrownBy(() -> log.append(decision("req-2")))
                .isInstanceOf(AuditWriteException.class)
                .hasMessageContaining("audit log is closed")
                .hasMessageContaining(logFile().toString());
        assertThat(Files.readAllLines(logFile())).hasSize(1);
    }

    @Test
    void concurrentAppendsStayConsecutive() throws Exception {
        int threads = 8;
        int perThread = 250;
        List<AppendedRecord> appended = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        appended.add(log.append(decision("req-" + thread + "-" + i)));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        int total = threads * perThread;
        assertThat(appended.stream().map(AppendedRecord::sequence).sorted().toList())
                .isEqualTo(LongStream.rangeClosed(1, total).boxed().toList());
        assertThat(appended.stream().map(AppendedRecord::id).distinct().count()).isEqualTo(total);
        assertThat(LegacyChain.verify(directory)).isEqualTo(LegacyChain.Result.valid(total));
        try (AuditRecords records = AuditRecords.open(directory)) {
            List<String> hashes = records.stream().map(AuditRecord::hash).toList();
            List<String> acknowledged = appended.stream()
                    .sorted((a, b) -> Long.compare(a.sequence(), b.sequence()))
                    .map(AppendedRecord::hash)
                    .toList();
            assertThat(hashes).isEqualTo(acknowledged);
        }
    }

    @Test
    void openCreatesOwnerOnlyPaths() throws IOException {
        Assumptions.assumeTrue(directory.getFileSystem().supportedFileAttributeViews().contains("posix"),
                "needs POSIX file permissions");
        Path nested = directory.resolve("data/audit");

        try (FileAuditLog log = FileAuditLog.open(nested, CLOCK)) {
            log.append(decision("req-1"));
        }

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory.resolve("data"))))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(nested))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(nested.resolve("audit.log"))))
                .isEqualTo("rw-------");
    }

    @Test
    void openCreatesDirectoryAndFile() throws IOException {
        Path nested = directory.resolve("a/b/audit");

        try (FileAuditLog log = FileAuditLog.open(nested, CLOCK)) {
            assertThat(log.file()).isEqualTo(nested.resolve("audit.log"));
        }

        assertThat(nested.resolve("audit.log")).isRegularFile().isEmptyFile();
        assertThat(LegacyChain.verify(nested)).isEqualTo(LegacyChain.Result.valid(0));
    }

    @Test
    void openRejectsFileAsDirectory() throws IOException {
        Path notDirectory = Files.writeString(directory.resolve("plain-file"), "x");

        assertThatThrownBy(() -> FileAuditLog.open(notDirectory, CLOCK))
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
                            + " partialWriteIsCutOnNextAppend cover write failures instead");

            assertThatThrownBy(() -> FileAuditLog.open(readOnly, CLOCK))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(readOnly.toString())
                    .hasMessageContaining("not writable");
        } finally {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void secondOpenIsRejected() throws IOException {
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK)) {
            log.append(decision("req-1"));

            assertThatThrownBy(() -> FileAuditLog.open(directory, CLOCK))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("already in use in this process")
                    .hasMessageContaining(directory.toString());
        }
    }

    @Test
    void openContinuesInvalidChain() throws IOException {
        writeLog(directory, 3);
        List<String> lines = new ArrayList<>(Files.readAllLines(logFile()));
        lines.remove(1);
        Files.write(logFile(), lines);
        byte[] bytes = Files.readAllBytes(logFile());
        String lastLineHash = RecordCodec.sha256Hex(bytes, bytes.length - 1 - lines.get(1).length(),
                lines.get(1).length());

        AppendedRecord next;
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = FileAuditLog.open(directory, CLOCK)) {
            assertThat(logs.messages(Level.ERROR)).singleElement().asString()
                    .contains("not a valid hash chain")
                    .contains("line 2")
                    .contains("seq is 3 (expected: 2)");
            next = log.append(decision("req-4"));
            log.append(decision("req-5"));
            assertThat(logs.messages(Level.ERROR)).as("logged once per open").hasSize(1);
        }

        assertThat(next.sequence()).isEqualTo(4);
        try (AuditRecords records = AuditRecords.open(directory)) {
            assertThat(records.stream().toList().get(2).prev()).isEqualTo(lastLineHash);
        }
        LegacyChain.Result result = LegacyChain.verify(directory);
        assertThat(result.valid()).isFalse();
        assertThat(result.firstBadLine()).isEqualTo(2);
    }

    @Test
    void openContinuesAfterUnreadableLastLine() throws IOException {
        writeLog(directory, 2);
        Files.writeString(logFile(), "not json\n", StandardOpenOption.APPEND);

        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = FileAuditLog.open(directory, CLOCK)) {
            assertThat(logs.messages(Level.ERROR)).singleElement().asString().contains("line 3");
            AppendedRecord next = log.append(decision("req-4"));

            assertThat(next.sequence()).as("numbered after the line count").isEqualTo(4);
        }
        try (AuditRecords records = AuditRecords.open(directory)) {
            assertThat(records.next().sequence()).isEqualTo(1);
        }
    }

    @Test
    void appendRejectsOversizedRecord() throws IOException {
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK)) {
            AuditEvent huge = AuditEvent.builder(AuditEventType.DECISION, "req-1")
                    .reason("x".repeat(RecordCodec.MAX_LINE_BYTES))
                    .build();

            assertThatThrownBy(() -> log.append(huge))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("maximum: " + RecordCodec.MAX_LINE_BYTES);
            assertThat(log.append(decision("req-2")).sequence()).isEqualTo(1);
        }
    }

    private Path logFile() {
        return directory.resolve(FileAuditLog.FILE_NAME);
    }
}
