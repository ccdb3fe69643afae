package dev.agentgateway.audit;

import static dev.agentgateway.audit.AuditFixtures.CLOCK;
import static dev.agentgateway.audit.AuditFixtures.decision;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.agentgateway.audit.FaultyChannel.Fault;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.SigningKeyConfig;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files of an open log deleted, moved or replaced behind its back: the log stops taking records. */
class FileAuditLogReplacedFileTest {

    @TempDir
    Path root;

    private final CountDownLatch firstCheckpoint = new CountDownLatch(1);
    private final CommitObserver signalFirstCheckpoint = new CommitObserver() {
        @Override
        public void checkpointWritten(long treeSize) {
            firstCheckpoint.countDown();
        }
    };

    private Path directory() {
        return root.resolve("audit");
    }

    private Path segment() {
        return AuditFixtures.segment(directory(), 1);
    }

    @Test
    void deletedSegmentFailsAppends() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory(), CLOCK)) {
            log.append(decision("req-1"));
            Files.delete(segment());

            for (int attempt = 1; attempt <= 2; attempt++) {
                assertThatThrownBy(() -> log.append(decision("req-2")))
                        .as("attempt %d", attempt)
                        .isInstanceOf(AuditWriteException.class)
                        .hasMessageContaining("audit segment " + segment())
                        .hasMessageContaining("was removed or replaced while the log was open");
            }
            assertThat(log.lastDurableSequence()).isEqualTo(1);
        }
    }

    @Test
    void deletedSegmentFailsCheckWritable() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory(), CLOCK)) {
            log.append(decision("req-1"));
            Files.delete(segment());

            assertThatThrownBy(log::checkWritable)
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit segment " + segment())
                    .hasMessageContaining("restore it or restart the gateway");
        }
    }

    @Test
    void replacedSegmentFailsAppends() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory(), CLOCK)) {
            log.append(decision("req-1"));
            Path copy = root.resolve("copy.log");
            Files.copy(segment(), copy);
            Files.move(copy, segment(), StandardCopyOption.REPLACE_EXISTING);

            assertThatThrownBy(() -> log.append(decision("req-2")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit segment " + segment());
        }
        assertThat(Files.readAllLines(segment())).hasSize(1);
    }

    @Test
    void movedDirectoryFailsAppends() throws IOException {
        Path moved = root.resolve("moved");
        try (FileAuditLog log = AuditFixtures.open(directory(), CLOCK)) {
            log.append(decision("req-1"));
            Files.move(directory(), moved);

            assertThatThrownBy(() -> log.append(decision("req-2")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit lock file " + directory().resolve(FileAuditLog.LOCK_FILE_NAME));
            assertThatThrownBy(log::checkWritable).isInstanceOf(AuditWriteException.class);
        }
        assertThat(Files.readAllLines(AuditFixtures.segment(moved, 1))).hasSize(1);
    }

    @Test
    void deletedLockFailsAppendsBeforeFirstSegment() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory(), CLOCK)) {
            Files.delete(directory().resolve(FileAuditLog.LOCK_FILE_NAME));

            assertThatThrownBy(log::checkWritable)
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit lock file");
            assertThatThrownBy(() -> log.append(decision("req-1")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit lock file");
        }
        assertThat(segment()).doesNotExist();
    }

    @Test
    void deletedLockStopsFirstLogWhenSecondOpens() throws IOException {
        AuditFixtures.writeLog(directory(), 1);
        try (FileAuditLog first = AuditFixtures.open(directory(), CLOCK, FaultyChannel::openAppend)) {
            first.append(decision("req-2"));
            Files.delete(directory().resolve(FileAuditLog.LOCK_FILE_NAME));

            try (FileAuditLog second = AuditFixtures.open(directory(), CLOCK, FaultyChannel::openAppend)) {
                assertThatThrownBy(() -> first.append(decision("req-3")))
                        .isInstanceOf(AuditWriteException.class)
                        .hasMessageContaining("audit lock file");
                assertThat(second.append(decision("req-4")).sequence()).isEqualTo(3);
            }
        }
    }

    @Test
    void movedCheckpointFileFailsAppendsUntilRestored() throws IOException, InterruptedException {
        Path checkpoints = directory().resolve(FileAuditLog.CHECKPOINT_FILE_NAME);
        Path aside = root.resolve("checkpoints-aside.log");
        try (FileAuditLog log = AuditFixtures.open(checkpointEvery(1), CLOCK, FaultyChannel::openAppend, signalFirstCheckpoint)) {
            log.append(decision("req-1"));
            assertThat(firstCheckpoint.await(30, TimeUnit.SECONDS)).as("checkpoint of record 1").isTrue();
            Files.move(checkpoints, aside);

            assertThatThrownBy(() -> log.append(decision("req-2")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit checkpoint file " + checkpoints)
                    .hasMessageContaining("was removed or replaced while the log was open");
            assertThatThrownBy(log::checkWritable)
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit checkpoint file " + checkpoints);
            assertThat(checkpoints).as("no new checkpoint file in place of the moved one").doesNotExist();

            Files.move(aside, checkpoints);
            log.checkWritable();
            assertThat(log.append(decision("req-3")).sequence()).isEqualTo(2);
        }
        assertCheckpointsCoverAll(2);
    }

    @Test
    void unwritableCheckpointFailsAppendsUntilWritten() throws IOException {
        Path checkpoints = directory().resolve(FileAuditLog.CHECKPOINT_FILE_NAME);
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = AuditFixtures.open(checkpointEvery(2), CLOCK, FaultyChannel::openAppend,
                        CommitObserver.NONE)) {
            log.append(decision("req-1"));
            // A directory in place of the file makes the first checkpoint, due after record 2, fail to open.
            Files.createDirectory(checkpoints);
            log.append(decision("req-2"));

            assertThatThrownBy(() -> log.append(decision("req-3")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("the audit checkpoint of 2 records could not be written to " + checkpoints);
            assertThatThrownBy(log::checkWritable)
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("the audit checkpoint of 2 records could not be written");
            assertThat(log.lastDurableSequence()).isEqualTo(2);

            Files.delete(checkpoints);
            // The readiness check has the writer try the checkpoint again rather than wait for its next retry.
            log.checkWritable();
            assertThat(checkpoints).isRegularFile();
            assertThat(log.append(decision("req-4")).sequence()).isEqualTo(3);

            assertThat(logs.messages(Level.ERROR)).as("one error for the outage").singleElement().asString()
                    .contains("Writing an audit checkpoint of 2 records");
            assertThat(logs.messages(Level.INFO)).anySatisfy(message -> assertThat(message)
                    .contains("Audit checkpoint of 2 records written").contains("after earlier failures"));
        }
        assertCheckpointsCoverAll(3);
    }

    @Test
    void staleLogKeepsSuccessorCheckpoints() throws IOException {
        AuditFixtures.writeLog(directory(), 2);
        AuditConfig config = checkpointEvery(2);
        try (FileAuditLog first = AuditFixtures.open(config, CLOCK, FaultyChannel::openAppend, CommitObserver.NONE)) {
            first.append(decision("req-3"));
            Files.delete(directory().resolve(FileAuditLog.LOCK_FILE_NAME));

            try (FileAuditLog second = AuditFixtures.open(config, CLOCK, FaultyChannel::openAppend,
                    CommitObserver.NONE)) {
                second.append(decision("req-4"));
            }
            assertThatThrownBy(() -> first.append(decision("req-5")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit lock file");
        }

        assertCheckpointsCoverAll(4);
    }

    @Test
    void staleLogStopKeepsSuccessorRecords() throws IOException {
        AuditFixtures.writeLog(directory(), 1);
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        AuditConfig config = checkpointEvery(100);
        try (FileAuditLog first = AuditFixtures.open(config, CLOCK, faults.opener(), CommitObserver.NONE)) {
            first.append(decision("req-2"));
            faults.set(Fault.PARTIAL_WRITE);
            assertThatThrownBy(() -> first.append(decision("req-3"))).isInstanceOf(AuditWriteException.class);
            faults.set(Fault.NONE);
            Files.delete(directory().resolve(FileAuditLog.LOCK_FILE_NAME));

            try (FileAuditLog second = AuditFixtures.open(config, CLOCK, FaultyChannel::openAppend,
                    CommitObserver.NONE)) {
                assertThat(second.append(decision("req-4")).sequence()).isEqualTo(3);
            }
        }

        assertThat(Files.readAllLines(segment())).hasSize(3);
        assertCheckpointsCoverAll(3);
    }

    @Test
    void closeWithoutCheckpointLogsUncoveredRecords() throws IOException {
        Path checkpoints = directory().resolve(FileAuditLog.CHECKPOINT_FILE_NAME);
        try (CapturedLogs logs = new CapturedLogs()) {
            try (FileAuditLog log = AuditFixtures.open(checkpointEvery(100), CLOCK, FaultyChannel::openAppend,
                    CommitObserver.NONE)) {
                log.append(decision("req-1"));
                log.append(decision("req-2"));
                Files.createDirectory(checkpoints);
            }

            assertThat(logs.messages(Level.ERROR)).anySatisfy(message -> assertThat(message)
                    .contains("closed with records 1 to 2 not covered by a checkpoint")
                    .contains("audit seal"));
        }
    }

    @Test
    void foreignBytesAfterFailedWriteAreKept() throws IOException {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        try (FileAuditLog log = AuditFixtures.open(directory(), CLOCK, faults.opener())) {
            log.append(decision("req-1"));
            faults.set(Fault.PARTIAL_WRITE);
            assertThatThrownBy(() -> log.append(decision("req-2"))).isInstanceOf(AuditWriteException.class);
            faults.set(Fault.NONE);
            String foreign = "{\"foreign\":\"" + "x".repeat(2000) + "\"}\n";
            Files.writeString(segment(), foreign, StandardOpenOption.APPEND);

            assertThatThrownBy(() -> log.append(decision("req-3")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("another process changed it");
            assertThat(Files.readString(segment())).endsWith(foreign);
        }
        assertThat(Files.readString(segment())).as("kept after close too").endsWith(
                "{\"foreign\":\"" + "x".repeat(2000) + "\"}\n");
    }

    @Test
    void truncatedSegmentFailsAppends() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory(), CLOCK)) {
            log.append(decision("req-1"));
            log.append(decision("req-2"));
            long written = Files.size(segment());
            try (FileChannel channel = FileChannel.open(segment(), StandardOpenOption.WRITE)) {
                channel.truncate(written - 10);
            }

            assertThatThrownBy(() -> log.append(decision("req-3")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit segment " + segment() + " is " + (written - 10) + " bytes, but this"
                            + " log wrote " + written + " bytes");
            assertThatThrownBy(log::checkWritable)
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("another process changed it");
        }
    }

    @Test
    void foreignSegmentLineFailsAppends() throws IOException {
        try (FileAuditLog log = AuditFixtures.open(directory(), CLOCK)) {
            log.append(decision("req-1"));
            Files.writeString(segment(), "{\"seq\":2}\n", StandardOpenOption.APPEND);

            assertThatThrownBy(() -> log.append(decision("req-2")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("another process changed it");
        }
        assertThat(Files.readAllLines(segment())).as("the foreign line is kept").hasSize(2)
                .last().isEqualTo("{\"seq\":2}");
    }

    @Test
    void foreignCheckpointLineFailsAppends() throws IOException, InterruptedException {
        Path checkpoints = directory().resolve(FileAuditLog.CHECKPOINT_FILE_NAME);
        try (FileAuditLog log = AuditFixtures.open(checkpointEvery(1), CLOCK, FaultyChannel::openAppend, signalFirstCheckpoint)) {
            log.append(decision("req-1"));
            assertThat(firstCheckpoint.await(30, TimeUnit.SECONDS)).as("checkpoint of record 1").isTrue();
            Files.writeString(checkpoints, "{}\n", StandardOpenOption.APPEND);
            // The batch is durable; the checkpoint after it finds the file changed and is not written.
            log.append(decision("req-2"));

            assertThatThrownBy(() -> log.append(decision("req-3")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit checkpoint file " + checkpoints)
                    .hasMessageContaining("another process changed it");
        }
        assertThat(Files.readAllLines(checkpoints)).as("the foreign line is kept").last().isEqualTo("{}");
    }

    @Test
    void plantedNextSegmentFailsAppendsAndStays() throws IOException {
        AuditFixtures.ManualClock clock = new AuditFixtures.ManualClock(CLOCK.instant());
        AuditConfig config = AuditFixtures.config(directory(), AuditConfig.DEFAULT_SEGMENT_MAX_BYTES,
                Duration.ofMinutes(1), 100);
        Path second = AuditFixtures.segment(directory(), 2);
        try (FileAuditLog log = FileAuditLog.open(config, AuditFixtures.KEY, clock, CommitObserver.NONE)) {
            log.append(decision("req-1"));
            clock.advance(Duration.ofMinutes(2));
            Files.writeString(second, "planted\n");

            assertThatThrownBy(() -> log.append(decision("req-2")))
                    .isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("audit segment " + second + " exists already");
            assertThat(Files.readString(second)).isEqualTo("planted\n");

            Files.delete(second);
            assertThat(log.append(decision("req-3")).sequence()).isEqualTo(2);
        }
    }

    private AuditConfig checkpointEvery(long records) {
        return new AuditConfig(directory(), AuditConfig.DEFAULT_SEGMENT_MAX_BYTES,
                AuditConfig.DEFAULT_SEGMENT_MAX_AGE, records, Duration.ofHours(1),
                new SigningKeyConfig(root.resolve("unused.jwk"), "EdDSA"), 100, null);
    }

    private void assertCheckpointsCoverAll(long records) throws IOException {
        VerificationResult result = AuditVerifier.verify(directory(), List.of(AuditFixtures.KEY.publicKey()),
                new AuditVerifier.Options(CLOCK, AuditVerifier.DEFAULT_MAX_UNCOVERED_AGE));
        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.recordsVerified()).isEqualTo(records);
        assertThat(result.coveredRecords()).isEqualTo(records);
    }

    @Test
    void repeatedCutsWarnOncePerOutage() throws IOException {
        FaultyChannel.Faults faults = new FaultyChannel.Faults();
        try (CapturedLogs logs = new CapturedLogs();
                FileAuditLog log = AuditFixtures.open(new AuditConfig(directory()), CLOCK, faults.opener(),
                        CommitObserver.NONE)) {
            log.append(decision("req-1"));
            faults.set(Fault.FAILED_FORCE);
            for (int i = 0; i < 4; i++) {
                assertThatThrownBy(() -> log.append(decision("req-failing")))
                        .isInstanceOf(AuditWriteException.class);
            }
            faults.set(Fault.NONE);
            log.append(decision("req-2"));
            assertThat(logs.messages(Level.WARN)).filteredOn(message -> message.contains("cut"))
                    .as("one warning for the outage").hasSize(1);

            faults.set(Fault.FAILED_FORCE);
            assertThatThrownBy(() -> log.append(decision("req-failing")))
                    .isInstanceOf(AuditWriteException.class);
            faults.set(Fault.NONE);
            log.append(decision("req-3"));
            assertThat(logs.messages(Level.WARN)).filteredOn(message -> message.contains("cut"))
                    .as("a new warning for the next outage").hasSize(2);
        }
    }
}
