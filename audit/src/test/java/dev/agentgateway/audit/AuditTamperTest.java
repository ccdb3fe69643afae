package dev.agentgateway.audit;

import static dev.agentgateway.audit.AuditFixtures.CLOCK;
import static dev.agentgateway.audit.AuditFixtures.decision;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.audit.internal.Segments;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.SigningKeyConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tampering with a log written by {@link FileAuditLog}: each change fails and names the first bad item. */
class AuditTamperTest {

    private static final int RECORDS = 40;
    private static final AuditSigningKey KEY = AuditSigningKey.generate("ES256");
    /** An hour after the records were written, so records left without a checkpoint count as stale. */
    private static final AuditVerifier.Options LATER = new AuditVerifier.Options(
            Clock.fixed(CLOCK.instant().plus(Duration.ofHours(1)), ZoneOffset.UTC), Duration.ofSeconds(61));

    @TempDir
    Path directory;
    List<Segments.Segment> segments;

    @BeforeEach
    void writeLog() throws IOException {
        AuditConfig config = new AuditConfig(directory, 4096, Duration.ofDays(1), 4, Duration.ofHours(1),
                new SigningKeyConfig(directory.resolveSibling("unused.jwk"), "ES256"), 1000, null);
        try (FileAuditLog log = FileAuditLog.open(config, KEY, CLOCK, CommitObserver.NONE)) {
            for (int i = 1; i <= RECORDS; i++) {
                log.append(decision("req-" + i));
            }
        }
        segments = Segments.list(directory);
        assertThat(segments).as("test needs at least three segments").hasSizeGreaterThanOrEqualTo(3);
    }

    private VerificationResult verify() throws IOException {
        return verify(KEY.publicKey());
    }

    private VerificationResult verify(AuditPublicKey key) throws IOException {
        return AuditVerifier.verify(directory, List.of(key), LATER);
    }

    @Test
    void untouchedLogPasses() throws IOException {
        VerificationResult result = verify();

        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.recordsVerified()).isEqualTo(RECORDS);
        assertThat(result.coveredRecords()).isEqualTo(RECORDS);
        assertThat(result.checkpointsVerified()).isEqualTo(RECORDS / 4);
    }

    @Test
    void firstRecordOfSegmentDeletedNamed() throws IOException {
        long first = segments.get(1).firstSequence();
        editRecord(first, line -> null);

        assertBadRecord(verify(), first, "a record was removed or moved");
    }

    @Test
    void wellFormedEditNamesRecord() throws IOException {
        editRecord(10, line -> line.replace("\"decision\":\"allow\"", "\"decision\":\"deny\""));

        assertBadRecord(verify(), 10, "record changed");
    }

    @Test
    void malformedEditNamesRecord() throws IOException {
        editRecord(10, line -> line.replace("\"decision\":\"allow\"", "\"decision\":allow"));

        assertBadRecord(verify(), 10, "");
    }

    @Test
    void deletedRecordNamed() throws IOException {
        long middle = segments.get(1).firstSequence() + 2;
        Location location = locate(middle);
        editRecord(middle, line -> null);

        assertBadRecord(verify(), middle, location, "seq " + (middle + 1) + " (expected: " + middle + ")");
    }

    @Test
    void reorderedRecordsNamed() throws IOException {
        long middle = segments.get(1).firstSequence() + 2;
        Location first = locate(middle);
        Location second = locate(middle + 1);
        assertThat(second.segment()).as("both records in one segment").isEqualTo(first.segment());
        List<String> lines = lines(first.segment());
        String earlier = lines.get(first.index());
        lines.set(first.index(), lines.get(second.index()));
        lines.set(second.index(), earlier);
        Files.write(first.segment(), lines, StandardCharsets.UTF_8);

        assertBadRecord(verify(), middle, "seq " + (middle + 1) + " (expected: " + middle + ")");
    }

    @Test
    void truncatedEndNamesFirstMissingRecord() throws IOException {
        Path last = segments.get(segments.size() - 1).path();
        List<String> lines = lines(last);
        Files.write(last, lines.subList(0, lines.size() - 3), StandardCharsets.UTF_8);

        assertBadRecord(verify(), RECORDS - 2, "were removed");
    }

    @Test
    void incompleteLastLinePassesWithLimitation() throws IOException {
        Path last = segments.get(segments.size() - 1).path();
        Files.writeString(last, "{\"seq\":41,", StandardOpenOption.APPEND);

        VerificationResult result = verify();

        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.recordsVerified()).isEqualTo(RECORDS);
        assertThat(result.limitation()).contains("incomplete line of 10 bytes");
    }

    @Test
    void incompleteLineInOlderSegmentNamed() throws IOException {
        Segments.Segment first = segments.get(0);
        byte[] bytes = Files.readAllBytes(first.path());
        Files.write(first.path(), java.util.Arrays.copyOf(bytes, bytes.length - 1));

        VerificationResult result = verify();

        long lastOfFirst = segments.get(1).firstSequence() - 1;
        assertBadRecord(result, lastOfFirst, "last line is incomplete");
    }

    @Test
    void cutLastSegmentNamesFirstMissingRecord() throws IOException {
        Segments.Segment last = segments.get(segments.size() - 1);
        Files.delete(last.path());

        assertBadRecord(verify(), last.firstSequence(), "were removed");
    }

    @Test
    void deletedMiddleSegmentNamed() throws IOException {
        Segments.Segment middle = segments.get(1);
        Files.delete(middle.path());

        VerificationResult result = verify();

        assertBadRecord(result, middle.firstSequence(), "are missing");
        assertThat(result.file()).isEqualTo(segments.get(2).fileName());
        assertThat(result.firstBadLine()).isEqualTo(1);
    }

    @Test
    void renamedSegmentNamed() throws IOException {
        Segments.Segment middle = segments.get(1);
        Path renamed = directory.resolve(Segments.fileName(middle.firstSequence() + 1));
        Files.move(middle.path(), renamed);

        VerificationResult result = verify();

        assertBadRecord(result, middle.firstSequence(), "are missing");
        assertThat(result.file()).isEqualTo(renamed.getFileName().toString());
    }

    @Test
    void checkpointSignedWithOtherKeyNamed() throws IOException {
        AuditSigningKey other = AuditSigningKey.generate("EdDSA");
        CheckpointEdits.replace(checkpointFile(), 3, KEY, (original, previous) ->
                Checkpoint.sign(other, original.size(), original.root(), original.time(), previous));

        assertBadCheckpoint(verify(), 3, "not one of the given keys");
    }

    @Test
    void checkpointWithWrongRootNamed() throws IOException {
        CheckpointEdits.replace(checkpointFile(), 3, KEY, (original, previous) -> {
            byte[] root = original.root();
            root[5] ^= 1;
            return Checkpoint.sign(KEY, original.size(), root, original.time(), previous);
        });

        assertBadCheckpoint(verify(), 3, "does not match the tree head of records 1 to 12");
    }

    @Test
    void olderCheckpointReplayedNamed() throws IOException {
        List<String> lines = lines(checkpointFile());
        lines.set(4, lines.get(1));
        Files.write(checkpointFile(), lines, StandardCharsets.UTF_8);

        assertBadCheckpoint(verify(), 5, "the SHA-256 of line 4");
    }

    @Test
    void olderCheckpointSignedAgainNamed() throws IOException {
        List<String> lines = lines(checkpointFile());
        Checkpoint older = Checkpoint.parse(lines.get(1));
        CheckpointEdits.replace(checkpointFile(), 5, KEY, (original, previous) ->
                Checkpoint.sign(KEY, older.size(), older.root(), older.time(), previous));

        assertBadCheckpoint(verify(), 5, "size 8 (expected: more than 16");
    }

    @Test
    void droppedMiddleCheckpointLineNamed() throws IOException {
        List<String> lines = lines(checkpointFile());
        lines.remove(2);
        Files.write(checkpointFile(), lines, StandardCharsets.UTF_8);

        assertBadCheckpoint(verify(), 3, "a checkpoint line was removed before it");
    }

    @Test
    void replacedCheckpointLineNamedByLineAfterIt() throws IOException {
        List<String> lines = lines(checkpointFile());
        Checkpoint original = Checkpoint.parse(lines.get(1));
        byte[] root = original.root();
        root[0] ^= 1;
        lines.set(1, Checkpoint.sign(KEY, original.size(), root, original.time(), original.previous()).toLine());
        Files.write(checkpointFile(), lines, StandardCharsets.UTF_8);

        assertBadCheckpoint(verify(), 3, "line 2 was replaced");
    }

    @Test
    void incompleteLastCheckpointLineIsNoted() throws IOException {
        String last = lines(checkpointFile()).get(RECORDS / 4 - 1);
        Files.writeString(checkpointFile(), last.substring(0, 40), StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        VerificationResult result = verify();

        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.coveredRecords()).isEqualTo(RECORDS);
        assertThat(result.limitation()).contains("checkpoints.log ends with an incomplete line of 40 bytes");
    }

    @Test
    void droppedFirstCheckpointLineNamed() throws IOException {
        List<String> lines = lines(checkpointFile());
        Files.write(checkpointFile(), lines.subList(1, lines.size()), StandardCharsets.UTF_8);

        assertBadCheckpoint(verify(), 1, "the checkpoint lines before it were removed");
    }

    @Test
    void swappedCheckpointLinesNamed() throws IOException {
        List<String> lines = lines(checkpointFile());
        String second = lines.get(1);
        lines.set(1, lines.get(2));
        lines.set(2, second);
        Files.write(checkpointFile(), lines, StandardCharsets.UTF_8);

        assertBadCheckpoint(verify(), 2, "the lines were reordered");
    }

    @Test
    void droppedLastCheckpointLineNamesFirstUncoveredRecord() throws IOException {
        List<String> lines = lines(checkpointFile());
        Files.write(checkpointFile(), lines.subList(0, lines.size() - 1), StandardCharsets.UTF_8);

        assertBadRecord(verify(), RECORDS - 3, "not covered by a checkpoint");
    }

    @Test
    void droppedCheckpointFileNamesFirstRecord() throws IOException {
        Files.delete(checkpointFile());

        assertBadRecord(verify(), 1, "checkpoints.log is missing");
    }

    @Test
    void wrongKeyNamesFirstCheckpoint() throws IOException {
        assertBadCheckpoint(verify(AuditSigningKey.generate("ES256").publicKey()), 1, "not one of the given keys");
    }

    @Test
    void editedLastRecordNamesCheckpoint() throws IOException {
        editRecord(RECORDS, line -> line.replace("\"decision\":\"allow\"", "\"decision\":\"deny\""));

        assertBadCheckpoint(verify(), RECORDS / 4, "a record from seq 37 to 40 was changed");
    }

    /** Position of one record: its segment and 0-based line index. */
    private record Location(Path segment, int index) {
    }

    private Location locate(long sequence) {
        Segments.Segment holder = null;
        for (Segments.Segment segment : segments) {
            if (segment.firstSequence() <= sequence) {
                holder = segment;
            }
        }
        return new Location(holder.path(), (int) (sequence - holder.firstSequence()));
    }

    private void editRecord(long sequence, UnaryOperator<String> edit) throws IOException {
        Location location = locate(sequence);
        List<String> lines = lines(location.segment());
        String edited = edit.apply(lines.get(location.index()));
        if (edited == null) {
            lines.remove(location.index());
        } else {
            assertThat(edited).as("edit changes the record").isNotEqualTo(lines.get(location.index()));
            lines.set(location.index(), edited);
        }
        Files.write(location.segment(), lines, StandardCharsets.UTF_8);
    }

    private static List<String> lines(Path file) throws IOException {
        return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    private Path checkpointFile() {
        return directory.resolve(AuditVerifier.CHECKPOINT_FILE_NAME);
    }

    private void assertBadRecord(VerificationResult result, long sequence, String problem) {
        assertBadRecord(result, sequence, locate(sequence), problem);
    }

    private static void assertBadRecord(VerificationResult result, long sequence, Location location,
            String problem) {
        assertThat(result.valid()).as(result.summary()).isFalse();
        assertThat(result.checkpointProblem()).as(result.summary()).isFalse();
        assertThat(result.firstBadSequence()).as(result.summary()).isEqualTo(sequence);
        if (Files.exists(location.segment())) {
            assertThat(result.file()).as(result.summary()).isEqualTo(location.segment().getFileName().toString());
            assertThat(result.firstBadLine()).as(result.summary()).isEqualTo(location.index() + 1);
        }
        assertThat(result.problem()).as(result.summary()).contains(problem);
    }

    private static void assertBadCheckpoint(VerificationResult result, long line, String problem) {
        assertThat(result.valid()).as(result.summary()).isFalse();
        assertThat(result.checkpointProblem()).as(result.summary()).isTrue();
        assertThat(result.file()).isEqualTo(AuditVerifier.CHECKPOINT_FILE_NAME);
        assertThat(result.firstBadLine()).as(result.summary()).isEqualTo(line);
        assertThat(result.problem()).as(result.summary()).contains(problem);
    }
}
