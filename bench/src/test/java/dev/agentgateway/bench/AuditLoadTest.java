package dev.agentgateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.FileAuditLog;
import dev.agentgateway.bench.internal.AuditLoadOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLoadTest {

    @TempDir
    Path temp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Path directory) throws InterruptedException {
        AuditLoadOptions options = new AuditLoadOptions(10, 1, 0, 1, 100, directory);
        return AuditLoad.run(options, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void existingLogRejected() throws Exception {
        Path directory = temp.resolve("audit");
        try (FileAuditLog log = FileAuditLog.open(directory, Clock.systemUTC())) {
            log.append(AuditEvent.builder(AuditEventType.DECISION, "req-1").method("GET").build());
        }
        List<String> before = Files.readAllLines(directory.resolve("audit-00000000000000000001.log"));

        assertThat(run(directory)).isEqualTo(2);
        String message = err.toString(StandardCharsets.UTF_8);
        assertThat(message).startsWith("audit load: " + directory + " already contains an audit log"
                + " (audit-00000000000000000001.log)");
        assertThat(message.lines()).hasSize(1);
        assertThat(Files.readAllLines(directory.resolve("audit-00000000000000000001.log"))).isEqualTo(before);
    }

    @Test
    void lockedDirectoryReportedInOneLine() throws Exception {
        Path directory = Files.createDirectories(temp.resolve("audit"));
        try (FileChannel channel = FileChannel.open(directory.resolve(FileAuditLog.LOCK_FILE_NAME),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {

            assertThat(run(directory)).isEqualTo(1);
        }
        String message = err.toString(StandardCharsets.UTF_8);
        assertThat(message).startsWith("audit load: audit directory " + directory + " is already in use");
        assertThat(message.lines()).hasSize(1);
    }

    @Test
    void emptyDirectoryAccepted() throws Exception {
        Path directory = Files.createDirectories(temp.resolve("audit"));

        assertThat(run(directory)).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("records: [1-9][0-9]* durable, 0 failed");
    }
}
