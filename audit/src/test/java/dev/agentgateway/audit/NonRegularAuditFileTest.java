package dev.agentgateway.audit;

import static dev.agentgateway.audit.AuditFixtures.CLOCK;
import static dev.agentgateway.audit.AuditFixtures.decision;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.SigningKeyConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * FIFOs and symbolic links in place of audit files. Opening a FIFO blocks until its other end is opened, so each
 * test has a timeout, and a regression fails instead of hanging the build.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NonRegularAuditFileTest {

    private static final String OUTSIDE_CONTENT = "a file outside the audit directory\n";

    @TempDir
    Path root;

    private Path directory() {
        return root.resolve("audit");
    }

    private Path checkpoints() {
        return directory().resolve(FileAuditLog.CHECKPOINT_FILE_NAME);
    }

    private Path lockFile() {
        return directory().resolve(FileAuditLog.LOCK_FILE_NAME);
    }

    private Path segment() {
        return AuditFixtures.segment(directory(), 1);
    }

    @Test
    void fifoCheckpointFileFailsOpen() throws Exception {
        AuditFixtures.writeLog(directory(), 2);
        Files.delete(checkpoints());
        mkfifo(checkpoints());

        assertThatThrownBy(() -> AuditFixtures.open(directory(), CLOCK).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit checkpoint file " + checkpoints() + " is a FIFO, not a regular file");
    }

    @Test
    void linkedCheckpointFileFailsOpen() throws Exception {
        AuditFixtures.writeLog(directory(), 2);
        Path outside = root.resolve("checkpoints-outside.log");
        Files.move(checkpoints(), outside);
        Files.createSymbolicLink(checkpoints(), outside);

        assertThatThrownBy(() -> AuditFixtures.open(directory(), CLOCK).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit checkpoint file " + checkpoints()
                        + " is a symbolic link, not a regular file");
    }

    @Test
    void fifoSegmentFailsOpen() throws Exception {
        AuditFixtures.writeLog(directory(), 2);
        Files.delete(segment());
        mkfifo(segment());

        assertThatThrownBy(() -> AuditFixtures.open(directory(), CLOCK).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit segment " + segment() + " is a FIFO, not a regular file");
    }

    @Test
    void linkedSegmentFailsOpen() throws Exception {
        AuditFixtures.writeLog(directory(), 2);
        Path outside = root.resolve("segment-outside.log");
        Files.move(segment(), outside);
        Files.createSymbolicLink(segment(), outside);
        byte[] before = Files.readAllBytes(outside);

        assertThatThrownBy(() -> AuditFixtures.open(directory(), CLOCK).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit segment " + segment() + " is a symbolic link, not a regular file");
        assertThat(Files.readAllBytes(outside)).isEqualTo(before);
    }

    @Test
    void fifoLockFileFailsOpen() throws Exception {
        Files.createDirectories(directory());
        mkfifo(lockFile());

        assertThatThrownBy(() -> AuditFixtures.open(directory(), CLOCK).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit lock file " + lockFile() + " is a FIFO, not a regular file");
    }

    @Test
    void linkedLockFileFailsOpen() throws Exception {
        Files.createDirectories(directory());
        Path outside = root.resolve("lock-outside");
        Files.createSymbolicLink(lockFile(), outside);

        assertThatThrownBy(() -> AuditFixtures.open(directory(), CLOCK).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit lock file " + lockFile() + " is a symbolic link, not a regular file");
        assertThat(outside).as("no file created through the link").doesNotExist();
    }

    @Test
    void linkedDirectoryOpens() throws Exception {
        Path linked = root.resolve("linked-audit");
        Files.createDirectories(directory());
        Files.createSymbolicLink(linked, directory());

        try (FileAuditLog log = FileAuditLog.open(new AuditConfig(linked), AuditFixtures.KEY, CLOCK,
                CommitObserver.NONE)) {
            assertThat(log.append(decision("req-1")).sequence()).isEqualTo(1);
        }
        VerificationResult result = verify(linked);
        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.recordsVerified()).isEqualTo(1);
    }

    @Test
    void fifoCheckpointFileFailsAppendsUntilRemoved() throws Exception {
        try (FileAuditLog log = openCheckpointEveryTwo()) {
            log.append(decision("req-1"));
            mkfifo(checkpoints());
            log.append(decision("req-2"));

            assertThatThrownBy(() -> log.append(decision("req-3")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("is a FIFO, not a regular file");
            assertThatThrownBy(log::checkWritable).isInstanceOf(AuditWriteException.class);

            Files.delete(checkpoints());
            assertThat(log.append(decision("req-4")).sequence()).isEqualTo(3);
            log.checkWritable();
        }
        assertThat(Files.isRegularFile(checkpoints(), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertValid(3);
    }

    @Test
    void linkedCheckpointFileFailsAppendsUntilRemoved() throws Exception {
        Path outside = root.resolve("outside.log");
        Files.writeString(outside, OUTSIDE_CONTENT);
        try (FileAuditLog log = openCheckpointEveryTwo()) {
            log.append(decision("req-1"));
            Files.createSymbolicLink(checkpoints(), outside);
            log.append(decision("req-2"));

            assertThatThrownBy(() -> log.append(decision("req-3")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("is a symbolic link, not a regular file");
            assertThat(Files.readString(outside)).as("link target untouched").isEqualTo(OUTSIDE_CONTENT);

            Files.delete(checkpoints());
            assertThat(log.append(decision("req-4")).sequence()).isEqualTo(3);
        }
        assertThat(Files.readString(outside)).as("link target untouched").isEqualTo(OUTSIDE_CONTENT);
        assertThat(Files.isRegularFile(checkpoints(), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertValid(3);
    }

    @Test
    void linkedNewSegmentFailsAppendsUntilRemoved() throws Exception {
        Path outside = root.resolve("outside.log");
        Files.writeString(outside, OUTSIDE_CONTENT);
        AuditFixtures.ManualClock clock = new AuditFixtures.ManualClock(CLOCK.instant());
        AuditConfig config = AuditFixtures.config(directory(), AuditConfig.DEFAULT_SEGMENT_MAX_BYTES,
                Duration.ofMinutes(1), 100);
        Path second = AuditFixtures.segment(directory(), 2);
        try (FileAuditLog log = FileAuditLog.open(config, AuditFixtures.KEY, clock, CommitObserver.NONE)) {
            log.append(decision("req-1"));
            clock.advance(Duration.ofMinutes(2));
            Files.createSymbolicLink(second, outside);

            assertThatThrownBy(() -> log.append(decision("req-2")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit segment " + second + " exists already");
            assertThat(Files.readString(outside)).as("link target untouched").isEqualTo(OUTSIDE_CONTENT);

            Files.delete(second);
            assertThat(log.append(decision("req-3")).sequence()).isEqualTo(2);
        }
        assertThat(Files.readString(outside)).as("link target untouched").isEqualTo(OUTSIDE_CONTENT);
        assertThat(Files.isRegularFile(second, LinkOption.NOFOLLOW_LINKS)).isTrue();
    }

    @Test
    void verifyRejectsFifoCheckpointFile() throws Exception {
        AuditFixtures.writeLog(directory(), 2);
        Files.delete(checkpoints());
        mkfifo(checkpoints());

        assertThatThrownBy(() -> verify(directory()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit checkpoint file " + checkpoints() + " is a FIFO, not a regular file");
    }

    @Test
    void verifyRejectsLinkedCheckpointFile() throws Exception {
        AuditFixtures.writeLog(directory(), 2);
        Path outside = root.resolve("checkpoints-outside.log");
        Files.move(checkpoints(), outside);
        Files.createSymbolicLink(checkpoints(), outside);

        assertThatThrownBy(() -> verify(directory()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit checkpoint file " + checkpoints() + " is a symbolic link");
    }

    @Test
    void verifyRejectsFifoSegment() throws Exception {
        AuditFixtures.writeLog(directory(), 2);
        Files.delete(segment());
        mkfifo(segment());

        assertThatThrownBy(() -> verify(directory()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit segment " + segment() + " is a FIFO, not a regular file");
    }

    @Test
    void verifyRejectsLinkedSegment() throws Exception {
        AuditFixtures.writeLog(directory(), 2);
        Path outside = root.resolve("segment-outside.log");
        Files.move(segment(), outside);
        Files.createSymbolicLink(segment(), outside);

        assertThatThrownBy(() -> verify(directory()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit segment " + segment() + " is a symbolic link");
    }

    @Test
    void proveRejectsFifoSegment() throws Exception {
        AuditFixtures.writeLog(directory(), 2);
        Files.delete(segment());
        mkfifo(segment());

        assertThatThrownBy(() -> AuditProofs.prove(directory(), 1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit segment " + segment() + " is a FIFO, not a regular file");
    }

    @Test
    void proveRejectsFifoCheckpointFile() throws Exception {
        AuditFixtures.writeLog(directory(), 2);
        Files.delete(checkpoints());
        mkfifo(checkpoints());

        assertThatThrownBy(() -> AuditProofs.prove(directory(), 1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit checkpoint file " + checkpoints() + " is a FIFO");
    }

    @Test
    void recordsRejectFifoSegment() throws Exception {
        AuditFixtures.writeLog(directory(), 2);
        Files.delete(segment());
        mkfifo(segment());

        try (AuditRecords records = AuditRecords.open(directory())) {
            assertThatThrownBy(records::next)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("audit segment " + segment() + " is a FIFO, not a regular file");
        }
    }

    @Test
    void recordsRejectLinkedSegment() throws Exception {
        AuditFixtures.writeLog(directory(), 2);
        Path outside = root.resolve("segment-outside.log");
        Files.move(segment(), outside);
        Files.createSymbolicLink(segment(), outside);

        try (AuditRecords records = AuditRecords.open(directory())) {
            assertThatThrownBy(records::next)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("audit segment " + segment() + " is a symbolic link");
        }
    }

    private FileAuditLog openCheckpointEveryTwo() throws IOException {
        AuditConfig config = new AuditConfig(directory(), AuditConfig.DEFAULT_SEGMENT_MAX_BYTES,
                AuditConfig.DEFAULT_SEGMENT_MAX_AGE, 2, Duration.ofHours(1),
                new SigningKeyConfig(root.resolve("unused.jwk"), "EdDSA"), 100, null);
        return FileAuditLog.open(config, AuditFixtures.KEY, CLOCK, CommitObserver.NONE);
    }

    private static VerificationResult verify(Path directory) throws IOException {
        return AuditVerifier.verify(directory, List.of(AuditFixtures.KEY.publicKey()),
                new AuditVerifier.Options(CLOCK, AuditVerifier.DEFAULT_MAX_UNCOVERED_AGE));
    }

    private void assertValid(long records) throws IOException {
        VerificationResult result = verify(directory());
        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.recordsVerified()).isEqualTo(records);
    }

    /** Creates a FIFO at {@code path} with mkfifo(1), and skips the test where the command is missing. */
    private static void mkfifo(Path path) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "mkfifo is not available: " + e.getMessage());
            return;
        }
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("mkfifo finished").isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("mkfifo %s: %s", path, output).isZero();
    }
}
