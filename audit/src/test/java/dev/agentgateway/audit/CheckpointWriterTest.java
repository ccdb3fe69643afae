package dev.agentgateway.audit;

import static dev.agentgateway.audit.AuditFixtures.CLOCK;
import static dev.agentgateway.audit.AuditFixtures.KEY;
import static dev.agentgateway.audit.AuditFixtures.decision;
import static dev.agentgateway.audit.AuditFixtures.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.SigningKeyConfig;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointWriterTest {

    @TempDir
    Path directory;

    @Test
    void checkpointEveryRecords() throws IOException {
        try (FileAuditLog log = open(config(5, Duration.ofHours(1)), CLOCK, CommitObserver.NONE)) {
            for (int i = 1; i <= 12; i++) {
                log.append(decision("req-" + i));
            }
        }

        List<Checkpoint> checkpoints = checkpoints();
        assertThat(checkpoints).extracting(Checkpoint::size).containsExactly(5L, 10L, 12L);
        assertCovers(checkpoints);
    }

    @Test
    void checkpointAfterInterval() throws Exception {
        AuditFixtures.ManualClock clock = new AuditFixtures.ManualClock(CLOCK.instant());
        BlockingQueue<Long> written = new LinkedBlockingQueue<>();
        CommitObserver observer = new CommitObserver() {
            @Override
            public void checkpointWritten(long treeSize) {
                written.add(treeSize);
            }
        };
        try (FileAuditLog log = open(config(1000, Duration.ofSeconds(1)), clock, observer)) {
            log.append(decision("req-1"));
            clock.advance(Duration.ofMillis(999));
            log.append(decision("req-2"));
            assertThat(written.poll(50, TimeUnit.MILLISECONDS)).as("not due yet").isNull();

            clock.advance(Duration.ofMillis(1));
            assertThat(written.poll(30, TimeUnit.SECONDS)).as("due by the writer's timer").isEqualTo(2L);

            log.append(decision("req-3"));
            clock.advance(Duration.ofMillis(500));
            log.append(decision("req-4"));
            assertThat(written.poll(50, TimeUnit.MILLISECONDS)).as("interval counts from record 3").isNull();
            clock.advance(Duration.ofMillis(500));
            assertThat(written.poll(30, TimeUnit.SECONDS)).isEqualTo(4L);
        }

        assertThat(written).as("nothing new to cover at close").isEmpty();
        List<Checkpoint> checkpoints = checkpoints();
        assertThat(checkpoints).extracting(Checkpoint::size).containsExactly(2L, 4L);
        assertThat(checkpoints.get(0).time()).isEqualTo(CLOCK.instant().plusMillis(1000).truncatedTo(
                java.time.temporal.ChronoUnit.MILLIS));
        assertCovers(checkpoints);
    }

    @Test
    void checkpointAfterNextBatch() throws IOException {
        AuditFixtures.ManualClock clock = new AuditFixtures.ManualClock(CLOCK.instant());
        try (FileAuditLog log = open(config(3, Duration.ofHours(1)), clock, CommitObserver.NONE)) {
            log.append(decision("req-1"));
            log.append(decision("req-2"));
            log.append(decision("req-3"));
            clock.advance(Duration.ofHours(2));
            log.append(decision("req-4"));
        }

        assertThat(checkpoints()).extracting(Checkpoint::size).containsExactly(3L, 4L);
    }

    @Test
    void checkpointContinuesAfterReopen() throws IOException {
        AuditConfig config = config(1000, Duration.ofHours(1));
        try (FileAuditLog log = open(config, CLOCK, CommitObserver.NONE)) {
            for (int i = 1; i <= 3; i++) {
                log.append(decision("req-" + i));
            }
        }
        List<Long> reported = new java.util.ArrayList<>();
        CommitObserver observer = new CommitObserver() {
            @Override
            public void checkpointWritten(long treeSize) {
                reported.add(treeSize);
            }
        };
        try (FileAuditLog log = open(config, CLOCK, observer)) {
            assertThat(log.lastDurableSequence()).isEqualTo(3);
        }
        assertThat(reported).as("last checkpoint on disk reported at open").containsExactly(3L);
        assertThat(checkpoints()).as("no checkpoint when nothing is new").hasSize(1);
        try (FileAuditLog log = open(config, CLOCK, CommitObserver.NONE)) {
            log.append(decision("req-4"));
            log.append(decision("req-5"));
        }

        List<Checkpoint> checkpoints = checkpoints();
        assertThat(checkpoints).extracting(Checkpoint::size).containsExactly(3L, 5L);
        assertCovers(checkpoints);
    }

    @Test
    void emptyLogWritesNoCheckpoint() throws IOException {
        try (FileAuditLog log = open(config(1000, Duration.ofHours(1)), CLOCK, CommitObserver.NONE)) {
            assertThat(log.lastDurableSequence()).isZero();
        }

        assertThat(directory.resolve(FileAuditLog.CHECKPOINT_FILE_NAME)).doesNotExist();
    }

    @Test
    void checkpointFileIsOwnerOnly() throws IOException {
        Assumptions.assumeTrue(directory.getFileSystem().supportedFileAttributeViews().contains("posix"),
                "needs POSIX file permissions");
        AuditFixtures.writeLog(directory, 1);

        Path file = directory.resolve(FileAuditLog.CHECKPOINT_FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void openRejectsCheckpointBeyondRecords() throws IOException {
        AuditFixtures.writeLog(directory, 5);
        Path file = segment(directory, 1);
        List<String> lines = Files.readAllLines(file);
        Files.write(file, lines.subList(0, 4));

        try (CapturedLogs logs = new CapturedLogs()) {
            assertThatThrownBy(() -> open(config(1000, Duration.ofHours(1)), CLOCK, CommitObserver.NONE))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("covers 5 records, but the log holds only 4 records");
            assertThat(logs.messages(Level.ERROR)).singleElement().asString()
                    .contains("covers 5 records, but the log holds only 4 records");
        }
        assertThat(Files.readAllLines(file)).as("nothing was cut or written").hasSize(4);
    }

    @Test
    void openRejectsCheckpointAfterTornRecordCut() throws IOException {
        AuditFixtures.writeLog(directory, 3);
        Path file = segment(directory, 1);
        long size = Files.size(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size - 10);
        }

        assertThatThrownBy(() -> open(config(1000, Duration.ofHours(1)), CLOCK, CommitObserver.NONE))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("covers 3 records, but the log holds only 2 records");
    }

    @Test
    void openCutsTornCheckpointLine() throws IOException {
        AuditFixtures.writeLog(directory, 2);
        Path file = directory.resolve(FileAuditLog.CHECKPOINT_FILE_NAME);
        long size = Files.size(file);
        Files.writeString(file, "{\"alg\":\"EdDSA\",\"kid\"", StandardOpenOption.APPEND);

        AuditConfig config = config(1000, Duration.ofHours(1));
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = open(config, CLOCK, CommitObserver.NONE)) {
            assertThat(logs.messages(Level.WARN)).singleElement().asString().contains("cut 20 bytes");
            assertThat(Files.size(file)).isEqualTo(size);
            log.append(decision("req-3"));
        }

        List<Checkpoint> checkpoints = checkpoints();
        assertThat(checkpoints).extracting(Checkpoint::size).containsExactly(2L, 3L);
        assertCovers(checkpoints);
    }

    @Test
    void checkpointsContinueWithSealedKey() throws IOException {
        AuditFixtures.writeLog(directory, 2);
        AuditSigningKey rotated = AuditSigningKey.generate("ES256");

        FileAuditLog.seal(config(1000, Duration.ofHours(1)), rotated, List.of(KEY.publicKey()), CLOCK);
        try (FileAuditLog log = FileAuditLog.open(config(1000, Duration.ofHours(1)), rotated, CLOCK,
                CommitObserver.NONE)) {
            log.append(decision("req-4"));
        }

        List<Checkpoint> checkpoints = checkpoints();
        assertThat(checkpoints).extracting(Checkpoint::size).containsExactly(2L, 3L, 4L);
        assertThat(checkpoints.get(0).verify(KEY.publicKey())).isTrue();
        assertThat(checkpoints.get(1).verify(rotated.publicKey())).isTrue();
        assertThat(checkpoints.get(2).verify(rotated.publicKey())).isTrue();
        assertThat(checkpoints.get(1).algorithm()).isEqualTo("ES256");
    }

    private AuditConfig config(long everyRecords, Duration interval) {
        return new AuditConfig(directory, AuditConfig.DEFAULT_SEGMENT_MAX_BYTES, Duration.ofDays(1), everyRecords,
                interval, new SigningKeyConfig(AuditConfig.defaultKeyPath(directory), "EdDSA"), 1000, null);
    }

    private static FileAuditLog open(AuditConfig config, java.time.Clock clock, CommitObserver observer)
            throws IOException {
        return AuditFixtures.open(config, clock, FaultyChannel::openAppend, observer);
    }

    private List<Checkpoint> checkpoints() throws IOException {
        return Files.readAllLines(directory.resolve(FileAuditLog.CHECKPOINT_FILE_NAME), StandardCharsets.UTF_8)
                .stream()
                .map(Checkpoint::parse)
                .toList();
    }

    /**
     * Checks each checkpoint's signature and root against the records in the log, and its {@code prev} against the
     * line before it.
     */
    private void assertCovers(List<Checkpoint> checkpoints) throws IOException {
        byte[] previous = Checkpoint.firstPrevious();
        for (Checkpoint checkpoint : checkpoints) {
            assertThat(checkpoint.previous()).as("prev of %d", checkpoint.size()).isEqualTo(previous);
            previous = Checkpoint.lineHash(checkpoint.toLine().getBytes(StandardCharsets.UTF_8));
        }
        MerkleTree.Builder tree = new MerkleTree.Builder();
        int next = 0;
        try (AuditRecords records = AuditRecords.open(directory)) {
            AuditRecord record;
            while ((record = records.next()) != null) {
                tree.addLeafHash(MerkleTree.leafHash(record.bytes()));
                while (next < checkpoints.size() && checkpoints.get(next).size() == tree.size()) {
                    Checkpoint checkpoint = checkpoints.get(next++);
                    assertThat(checkpoint.verify(KEY.publicKey())).as("signature of %d", checkpoint.size()).isTrue();
                    assertThat(checkpoint.root()).as("root of %d", checkpoint.size()).isEqualTo(tree.root());
                }
            }
        }
        assertThat(next).as("checkpoints matched to a tree size").isEqualTo(checkpoints.size());
    }
}
