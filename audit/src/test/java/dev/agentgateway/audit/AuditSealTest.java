package dev.agentgateway.audit;

import static dev.agentgateway.audit.AuditFixtures.CLOCK;
import static dev.agentgateway.audit.AuditFixtures.KEY;
import static dev.agentgateway.audit.AuditFixtures.decision;
import static dev.agentgateway.audit.AuditFixtures.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.agentgateway.audit.AuditFixtures.ManualClock;
import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.SigningKeyConfig;
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
 * Records no checkpoint covers when the log is opened: a prompt restart after a crash signs them, and older ones
 * stop the open until the operator seals them. Checkpoint lines that the current key did not sign, or that are
 * dated in the future, stop the open too.
 */
class AuditSealTest {

    private static final Instant START = CLOCK.instant().truncatedTo(ChronoUnit.MILLIS);
    private static final Clock LATER = Clock.fixed(START.plus(Duration.ofMinutes(10)), ZoneOffset.UTC);

    @TempDir
    Path directory;

    @Test
    void openRefusesEditedRecordsAfterCutCheckpoints() throws IOException {
        writeLog(6, 2);
        keepCheckpointLines(1);
        editRecord(4);

        try (CapturedLogs logs = new CapturedLogs()) {
            assertThatThrownBy(() -> open(LATER))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("audit records 3 to 6")
                    .hasMessageContaining("seq 3, has the time " + START)
                    .hasMessageContaining("more than 61 s")
                    .hasMessageContaining("audit seal");
            assertThat(logs.messages(Level.ERROR)).anySatisfy(message -> assertThat(message)
                    .contains("audit records 3 to 6"));
        }
        assertThat(Files.readAllLines(checkpointFile())).as("checkpoints left as found").hasSize(1);
    }

    @Test
    void openRefusesMissingCheckpointFile() throws IOException {
        writeLog(3, 10);
        Files.delete(checkpointFile());

        assertThatThrownBy(() -> open(LATER))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit records 1 to 3")
                .hasMessageContaining(FileAuditLog.CHECKPOINT_FILE_NAME + " contains no checkpoint");
        assertThat(checkpointFile()).doesNotExist();
    }

    @Test
    void openRefusesEmptyCheckpointFile() throws IOException {
        writeLog(3, 10);
        Files.write(checkpointFile(), new byte[0]);

        assertThatThrownBy(() -> open(LATER))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit records 1 to 3");
    }

    @Test
    void promptRestartAfterCrashCovers() throws IOException {
        writeLog(3, 10);
        appendRecord(4, START.plus(Duration.ofSeconds(1)));
        appendRecord(5, START.plus(Duration.ofSeconds(2)));
        Clock restart = Clock.fixed(START.plus(Duration.ofSeconds(30)), ZoneOffset.UTC);

        try (CapturedLogs logs = new CapturedLogs(); FileAuditLog log = open(restart)) {
            assertThat(logs.messages(Level.WARN)).anySatisfy(message -> assertThat(message)
                    .contains("Audit records 4 to 5").contains("as happens after a crash"));
            assertThat(log.append(decision("req-6")).sequence()).isEqualTo(6);
        }
        VerificationResult result = verify(restart);
        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.coveredRecords()).isEqualTo(6);
    }

    @Test
    void promptRestartWithoutCheckpointFileCovers() throws IOException {
        writeLog(3, 10);
        Files.delete(checkpointFile());
        Clock restart = Clock.fixed(START.plus(Duration.ofSeconds(20)), ZoneOffset.UTC);

        try (FileAuditLog log = open(restart)) {
            assertThat(log.lastDurableSequence()).isEqualTo(3);
        }
        assertThat(verify(restart).coveredRecords()).isEqualTo(3);
    }

    @Test
    void invalidUncoveredLineRefusedAlsoBySeal() throws IOException {
        writeLog(3, 10);
        Files.writeString(segment(directory, 1), "hello, not a record\n", StandardOpenOption.APPEND);
        Clock restart = Clock.fixed(START.plus(Duration.ofSeconds(20)), ZoneOffset.UTC);

        assertThatThrownBy(() -> open(restart).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit record seq 4")
                .hasMessageContaining("is not a valid record");
        assertThatThrownBy(() -> FileAuditLog.seal(config(10), KEY, restart))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is not a valid record");
    }

    @Test
    void sealCoversOldRecords() throws IOException {
        writeLog(6, 2);
        keepCheckpointLines(1);

        FileAuditLog.SealedRecords sealed;
        try (CapturedLogs logs = new CapturedLogs()) {
            sealed = FileAuditLog.seal(config(10), KEY, LATER);
            assertThat(logs.messages(Level.WARN)).anySatisfy(message -> assertThat(message)
                    .contains("Sealing audit records 3 to 6").contains(START.toString()));
        }

        assertThat(sealed).isEqualTo(new FileAuditLog.SealedRecords(3, 6, START, START, null, 6));
        try (FileAuditLog log = open(LATER)) {
            assertThat(log.append(decision("req-7")).sequence()).isEqualTo(7);
        }
        VerificationResult result = verify(LATER);
        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.coveredRecords()).isEqualTo(7);
    }

    @Test
    void sealOfCoveredLogSealsNothing() throws IOException {
        writeLog(3, 10);

        assertThat(FileAuditLog.seal(config(10), KEY, LATER)).isNull();
        assertThat(Files.readAllLines(checkpointFile())).hasSize(1);
    }

    @Test
    void sealRefusesRecordBeforeCheckpoint() throws IOException {
        writeLog(3, 10);
        appendRecord(4, START.minus(Duration.ofHours(1)));

        assertThatThrownBy(() -> FileAuditLog.seal(config(10), KEY, LATER))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit record seq 4")
                .hasMessageContaining("the time of the last checkpoint");
        assertThat(Files.readAllLines(checkpointFile())).hasSize(1);
    }

    @Test
    void sealRefusesChangedCoveredRecord() throws IOException {
        writeLog(6, 2);
        keepCheckpointLines(2);
        editRecord(2);

        assertThatThrownBy(() -> FileAuditLog.seal(config(10), KEY, LATER))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(FileAuditLog.CHECKPOINT_FILE_NAME + " line 1");
    }

    @Test
    void openRefusesCheckpointWithBadSignature() throws IOException {
        writeLog(3, 10);
        Checkpoint last = lastCheckpoint();
        Checkpoint signed = Checkpoint.sign(KEY, last.size(), last.root(), START.plus(Duration.ofSeconds(1)),
                lastLineHash());
        byte[] signature = signed.signature();
        signature[0] ^= 1;
        appendCheckpoint(new Checkpoint(signed.algorithm(), signed.keyId(), signed.previous(), signed.root(),
                signed.size(), signed.time(), signature));

        assertThatThrownBy(() -> open(CLOCK))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(FileAuditLog.CHECKPOINT_FILE_NAME + " line 2")
                .hasMessageContaining("signature does not verify");
    }

    @Test
    void openRefusesFutureCheckpoint() throws IOException {
        writeLog(3, 10);
        Checkpoint last = lastCheckpoint();
        appendCheckpoint(Checkpoint.sign(KEY, last.size(), last.root(), Instant.parse("2099-01-01T00:00:00Z"),
                lastLineHash()));

        assertThatThrownBy(() -> open(CLOCK))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(FileAuditLog.CHECKPOINT_FILE_NAME + " line 2")
                .hasMessageContaining("the clock was stepped back or the line was forged");
    }

    @Test
    void openRefusesFutureCoveredRecord() throws IOException {
        Clock ahead = Clock.fixed(START.plus(Duration.ofDays(1)), ZoneOffset.UTC);
        try (FileAuditLog log = FileAuditLog.open(config(10), AuditSigningKey.generate("EdDSA"), ahead,
                CommitObserver.NONE)) {
            log.append(decision("req-1"));
        }
        Files.delete(checkpointFile());

        assertThatThrownBy(() -> open(CLOCK))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("audit record seq 1")
                .hasMessageContaining("the clock was stepped back or the line was forged");
    }

    @Test
    void openChecksOnlyCoveringSignatures() throws IOException {
        writeLog(4, 2);
        List<String> lines = Files.readAllLines(directory.resolve(FileAuditLog.CHECKPOINT_FILE_NAME));
        Checkpoint first = Checkpoint.parse(lines.get(0));
        byte[] signature = first.signature();
        signature[0] ^= 1;
        lines.set(0, new Checkpoint(first.algorithm(), first.keyId(), first.previous(), first.root(), first.size(),
                first.time(), signature).toLine());
        Files.write(directory.resolve(FileAuditLog.CHECKPOINT_FILE_NAME), lines);

        // The line below the newest checkpoint is left to audit verify; the writer does not rely on it.
        try (FileAuditLog log = FileAuditLog.open(config(10), KEY, CLOCK, CommitObserver.NONE)) {
            assertThat(log.append(decision("req-5")).sequence()).isEqualTo(5);
        }
        VerificationResult result = AuditVerifier.verify(directory, List.of(KEY.publicKey()),
                new AuditVerifier.Options(CLOCK, Duration.ofDays(1)));
        assertThat(result.valid()).as(result.summary()).isFalse();
        assertThat(result.firstBadLine()).isEqualTo(1);
    }

    @Test
    void openRefusesCheckpointOfEarlierKey() throws IOException {
        writeLog(3, 10);
        AuditSigningKey rotated = AuditSigningKey.generate("EdDSA");

        assertThatThrownBy(() -> FileAuditLog.open(config(10), rotated, CLOCK, CommitObserver.NONE).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is signed with key " + KEY.keyId() + ", not with the current audit key "
                        + rotated.keyId())
                .hasMessageContaining("audit seal --public-key");
    }

    @Test
    void sealWithEarlierKeyRecordsKeyChange() throws IOException {
        writeLog(3, 10);
        AuditSigningKey rotated = AuditSigningKey.generate("ES256");

        FileAuditLog.SealedRecords sealed = FileAuditLog.seal(config(10), rotated, List.of(KEY.publicKey()), CLOCK);

        assertThat(sealed).isEqualTo(new FileAuditLog.SealedRecords(0, 0, null, null, KEY.keyId(), 4));
        try (FileAuditLog log = FileAuditLog.open(config(10), rotated, CLOCK, CommitObserver.NONE)) {
            assertThat(log.append(decision("req-5")).sequence()).isEqualTo(5);
        }
        try (AuditRecords records = AuditRecords.open(directory)) {
            AuditRecord change = records.stream().filter(record -> record.sequence() == 4).findFirst().orElseThrow();
            assertThat(new String(change.bytes(), StandardCharsets.UTF_8)).contains("\"type\":\"audit_key_change\"")
                    .contains(KEY.keyId()).contains(rotated.keyId());
        }
        VerificationResult result = AuditVerifier.verify(directory, List.of(KEY.publicKey(), rotated.publicKey()),
                new AuditVerifier.Options(CLOCK, Duration.ofSeconds(61)));
        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.coveredRecords()).isEqualTo(5);
    }

    @Test
    void sealRefusesForgedCheckpointOfOtherKey() throws IOException {
        writeLog(3, 10);
        AuditSigningKey other = AuditSigningKey.generate("EdDSA");
        List<String> lines = Files.readAllLines(checkpointFile());
        Checkpoint last = Checkpoint.parse(lines.get(lines.size() - 1));
        Checkpoint forged = Checkpoint.sign(other, last.size(), last.root(), last.time(), last.previous());
        lines.set(lines.size() - 1, forged.toLine());
        Files.write(checkpointFile(), lines);

        assertThatThrownBy(() -> FileAuditLog.seal(config(10), KEY, List.of(), CLOCK))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is signed with key " + other.keyId());
    }

    @Test
    void verifyPointsAtSeal() throws IOException {
        writeLog(3, 10);
        Files.delete(checkpointFile());

        VerificationResult result = AuditVerifier.verify(directory, List.of(KEY.publicKey()),
                new AuditVerifier.Options(LATER, Duration.ofSeconds(61)));

        assertThat(result.valid()).as(result.summary()).isFalse();
        assertThat(result.problem()).contains("audit seal").doesNotContain("starting the gateway");
    }

    private AuditConfig config(long checkpointEveryRecords) {
        return new AuditConfig(directory, AuditConfig.DEFAULT_SEGMENT_MAX_BYTES, AuditConfig.DEFAULT_SEGMENT_MAX_AGE,
                checkpointEveryRecords, AuditConfig.DEFAULT_CHECKPOINT_INTERVAL,
                new SigningKeyConfig(AuditConfig.defaultKeyPath(directory), AuditConfig.DEFAULT_KEY_ALGORITHM),
                AuditConfig.DEFAULT_MAX_PENDING_RECORDS, null);
    }

    private FileAuditLog open(Clock clock) throws IOException {
        return AuditFixtures.open(config(10), clock, FaultyChannel::openAppend, CommitObserver.NONE);
    }

    /** Writes {@code count} records at {@link #START}, with a checkpoint after every {@code every} records. */
    private void writeLog(int count, long every) throws IOException {
        try (FileAuditLog log = AuditFixtures.open(config(every), CLOCK, FaultyChannel::openAppend,
                CommitObserver.NONE)) {
            for (int i = 1; i <= count; i++) {
                log.append(decision("req-" + i));
            }
        }
    }

    private VerificationResult verify(Clock clock) throws IOException {
        return AuditVerifier.verify(directory, List.of(KEY.publicKey()),
                new AuditVerifier.Options(clock, Duration.ofSeconds(61)));
    }

    private Path checkpointFile() {
        return directory.resolve(FileAuditLog.CHECKPOINT_FILE_NAME);
    }

    private void keepCheckpointLines(int count) throws IOException {
        List<String> lines = Files.readAllLines(checkpointFile());
        Files.write(checkpointFile(), lines.subList(0, count));
    }

    private Checkpoint lastCheckpoint() throws IOException {
        List<String> lines = Files.readAllLines(checkpointFile());
        return Checkpoint.parse(lines.get(lines.size() - 1));
    }

    private byte[] lastLineHash() throws IOException {
        List<String> lines = Files.readAllLines(checkpointFile());
        return Checkpoint.lineHash(lines.get(lines.size() - 1).getBytes(StandardCharsets.UTF_8));
    }

    private void appendCheckpoint(Checkpoint checkpoint) throws IOException {
        Files.writeString(checkpointFile(), checkpoint.toLine() + "\n", StandardOpenOption.APPEND);
    }

    /** Changes the request id of record {@code sequence} and chains every later record to the changed one. */
    private void editRecord(long sequence) throws IOException {
        Path segment = segment(directory, 1);
        List<String> lines = new ArrayList<>(Files.readAllLines(segment));
        int index = (int) sequence - 1;
        String oldHash = hash(lines.get(index));
        lines.set(index, lines.get(index).replace("req-" + sequence, "req-X"));
        String newHash = hash(lines.get(index));
        for (int i = index + 1; i < lines.size(); i++) {
            String oldNext = hash(lines.get(i));
            lines.set(i, lines.get(i).replace(oldHash, newHash));
            oldHash = oldNext;
            newHash = hash(lines.get(i));
        }
        Files.write(segment, lines);
    }

    /** Appends a well-formed record with {@code time} that continues the chain, as one left by a crash. */
    private void appendRecord(long sequence, Instant time) throws IOException {
        Path segment = segment(directory, 1);
        List<String> lines = Files.readAllLines(segment);
        String prev = hash(lines.get(lines.size() - 1));
        byte[] record = RecordCodec.encodeRecord(sequence, "crash" + sequence, time, decision("req-" + sequence),
                prev);
        Files.write(segment, record, StandardOpenOption.APPEND);
        Files.write(segment, new byte[] {'\n'}, StandardOpenOption.APPEND);
    }

    private static String hash(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return RecordCodec.sha256Hex(bytes, 0, bytes.length);
    }
}
