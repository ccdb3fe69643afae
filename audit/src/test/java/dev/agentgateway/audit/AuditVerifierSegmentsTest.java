package dev.agentgateway.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verifier checks on logs written record by record, with small segments and frequent checkpoints. */
class AuditVerifierSegmentsTest {

    private static final Instant TIME = Instant.parse("2026-03-01T12:00:00.123Z");
    private static final AuditVerifier.Options SOON_AFTER =
            new AuditVerifier.Options(Clock.fixed(TIME.plusSeconds(5), ZoneOffset.UTC), Duration.ofSeconds(61));
    private static final AuditVerifier.Options LONG_AFTER =
            new AuditVerifier.Options(Clock.fixed(TIME.plusSeconds(3600), ZoneOffset.UTC), Duration.ofSeconds(61));

    private static final AuditSigningKey KEY = AuditSigningKey.generate("EdDSA");

    @TempDir
    Path temp;
    Path directory;

    @BeforeEach
    void writeLog() throws IOException {
        directory = temp.resolve("audit");
        // 23 records, segments of 5 (1, 6, 11, 16, 21), checkpoints at 4, 8, ..., 20, plus 23.
        new LogBuilder(directory, KEY, TIME, 5, 4).append(23).checkpoint();
    }

    private VerificationResult verify() throws IOException {
        return AuditVerifier.verify(directory, List.of(KEY.publicKey()), LONG_AFTER);
    }

    @Test
    void intactLogPasses() throws IOException {
        VerificationResult result = verify();

        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.recordsVerified()).isEqualTo(23);
        assertThat(result.checkpointsVerified()).isEqualTo(6);
        assertThat(result.coveredRecords()).isEqualTo(23);
        assertThat(result.limitation()).contains("whoever holds the audit key").doesNotContain("not yet covered");
    }

    @Test
    void recentUncoveredRecordsPassWithLimitation() throws IOException {
        dropLastCheckpointLine();

        VerificationResult result = AuditVerifier.verify(directory, List.of(KEY.publicKey()), SOON_AFTER);

        assertThat(result.valid()).as(result.summary()).isTrue();
        assertThat(result.coveredRecords()).isEqualTo(20);
        assertThat(result.limitation()).contains("Records 21 to 23 are not yet covered by a checkpoint");
    }

    @Test
    void oldUncoveredRecordsFail() throws IOException {
        dropLastCheckpointLine();

        VerificationResult result = verify();

        assertBadRecord(result, 21, "audit-00000000000000000021.log", 1, "not covered by a checkpoint");
    }

    @Test
    void editKeepingFormNamesEditedRecord() throws IOException {
        editLine(seg(6), 3, line -> line.replace("\"decision\":\"allow\"", "\"decision\":\"deny\""));

        assertBadRecord(verify(), 8, seg(6), 3, "record changed");
    }

    @Test
    void editAtSegmentEndNamesEditedRecord() throws IOException {
        editLine(seg(6), 5, line -> line.replace("\"decision\":\"allow\"", "\"decision\":\"deny\""));

        assertBadRecord(verify(), 10, seg(6), 5, "record changed");
    }

    @Test
    void nonCanonicalEditNamesRecord() throws IOException {
        editLine(seg(11), 2, line -> line.replace("\"decision\":\"allow\"", "\"decision\": \"allow\""));

        assertBadRecord(verify(), 12, seg(11), 2, "canonical");
    }

    @Test
    void deletedRecordNamed() throws IOException {
        editLine(seg(11), 2, line -> null);

        assertBadRecord(verify(), 12, seg(11), 2, "seq 13 (expected: 12)");
    }

    @Test
    void reorderedRecordsNamed() throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(directory.resolve(seg(11))));
        String second = lines.get(1);
        lines.set(1, lines.get(2));
        lines.set(2, second);
        Files.write(directory.resolve(seg(11)), lines);

        assertBadRecord(verify(), 12, seg(11), 2, "seq 13 (expected: 12)");
    }

    @Test
    void truncationBelowCheckpointNamesMissingRecord() throws IOException {
        List<String> lines = Files.readAllLines(directory.resolve(seg(21)));
        Files.write(directory.resolve(seg(21)), lines.subList(0, 1));

        assertBadRecord(verify(), 22, seg(21), 2, "records 22 to 23 were removed");
    }

    @Test
    void deletedLastSegmentNamed() throws IOException {
        Files.delete(directory.resolve(seg(21)));

        assertBadRecord(verify(), 21, seg(16), 6, "records 21 to 23 were removed");
    }

    @Test
    void deletedMiddleSegmentNamed() throws IOException {
        Files.delete(directory.resolve(seg(6)));

        assertBadRecord(verify(), 6, seg(11), 1, "records 6 to 10 are missing");
    }

    @Test
    void renamedSegmentNamed() throws IOException {
        Files.move(directory.resolve(seg(11)), directory.resolve(seg(12)));

        assertBadRecord(verify(), 11, seg(12), 1, "records 11 to 11 are missing");
    }

    @Test
    void segmentRenamedOverGapNamed() throws IOException {
        Files.delete(directory.resolve(seg(6)));
        Files.move(directory.resolve(seg(11)), directory.resolve(seg(6)));

        assertBadRecord(verify(), 6, seg(6), 1, "has seq 11");
    }

    @Test
    void badSegmentNameNamed() throws IOException {
        Files.move(directory.resolve(seg(11)), directory.resolve("audit-11.log"));

        VerificationResult result = verify();

        assertThat(result.valid()).isFalse();
        assertThat(result.checkpointProblem()).isFalse();
        assertThat(result.file()).isEqualTo("audit-11.log");
        assertThat(result.summary()).startsWith("audit log invalid: file audit-11.log: file name audit-11.log does"
                + " not have the segment form");
    }

    @Test
    void checkpointWithEditedRootNamed() throws IOException {
        replaceCheckpoint(3, line -> line.replace("\"root\":\"", "\"root\":\"" + "00").replaceFirst(
                "(\"root\":\"[0-9a-f]{64})[0-9a-f]{2}", "$1"));

        VerificationResult result = verify();

        assertThat(result.valid()).isFalse();
        assertThat(result.firstBadLine()).isEqualTo(3);
    }

    @Test
    void olderCheckpointReplayedNamed() throws IOException {
        List<String> lines = Files.readAllLines(checkpointFile());
        replaceCheckpoint(4, line -> lines.get(1));

        assertBadCheckpoint(verify(), 4, "the SHA-256 of line 3");
    }

    @Test
    void droppedLastCheckpointFails() throws IOException {
        dropLastCheckpointLine();

        assertThat(verify().valid()).isFalse();
    }

    @Test
    void droppedCheckpointFileFails() throws IOException {
        Files.delete(checkpointFile());

        VerificationResult result = verify();

        assertBadRecord(result, 1, seg(1), 1, "checkpoints.log is missing");
    }

    @Test
    void wrongKeyNamesFirstCheckpoint() throws IOException {
        VerificationResult result =
                AuditVerifier.verify(directory, List.of(AuditSigningKey.generate("EdDSA").publicKey()), LONG_AFTER);

        assertBadCheckpoint(result, 1, "not one of the given keys");
    }

    @Test
    void editedLastRecordNamesCheckpoint() throws IOException {
        editLine(seg(21), 3, line -> line.replace("\"decision\":\"allow\"", "\"decision\":\"deny\""));

        assertBadCheckpoint(verify(), 6, "a record from seq 21 to 23 was changed");
    }

    @Test
    void editedRecordAtCheckpointNamed() throws IOException {
        editLine(seg(11), 2, line -> line.replace("\"decision\":\"allow\"", "\"decision\":\"deny\""));

        assertBadRecord(verify(), 12, seg(11), 2, "record changed");
    }

    @Test
    void legacyLogRejected() throws IOException {
        Files.writeString(directory.resolve("audit.log"), "");

        VerificationResult result = verify();

        assertThat(result.valid()).isFalse();
        assertThat(result.problem()).contains("earlier single-file format");
    }

    private void dropLastCheckpointLine() throws IOException {
        List<String> lines = Files.readAllLines(checkpointFile());
        Files.write(checkpointFile(), lines.subList(0, lines.size() - 1));
    }

    private void replaceCheckpoint(int line, java.util.function.UnaryOperator<String> edit) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(checkpointFile()));
        lines.set(line - 1, edit.apply(lines.get(line - 1)));
        Files.write(checkpointFile(), lines);
    }

    private void editLine(String segment, int line, java.util.function.UnaryOperator<String> edit)
            throws IOException {
        Path file = directory.resolve(segment);
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        String edited = edit.apply(lines.get(line - 1));
        if (edited == null) {
            lines.remove(line - 1);
        } else {
            assertThat(edited).as("edit changes the line").isNotEqualTo(lines.get(line - 1));
            lines.set(line - 1, edited);
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private Path checkpointFile() {
        return directory.resolve(AuditVerifier.CHECKPOINT_FILE_NAME);
    }

    private static String seg(long firstSequence) {
        return LogFiles.segmentName(firstSequence);
    }

    private static void assertBadRecord(VerificationResult result, long sequence, String file, long line,
            String problem) {
        assertThat(result.valid()).as(result.summary()).isFalse();
        assertThat(result.checkpointProblem()).as(result.summary()).isFalse();
        assertThat(result.firstBadSequence()).as(result.summary()).isEqualTo(sequence);
        assertThat(result.file()).as(result.summary()).isEqualTo(file);
        assertThat(result.firstBadLine()).as(result.summary()).isEqualTo(line);
        assertThat(result.problem()).contains(problem);
    }

    private static void assertBadCheckpoint(VerificationResult result, long line, String problem) {
        assertThat(result.valid()).as(result.summary()).isFalse();
        assertThat(result.checkpointProblem()).as(result.summary()).isTrue();
        assertThat(result.file()).isEqualTo(AuditVerifier.CHECKPOINT_FILE_NAME);
        assertThat(result.firstBadLine()).as(result.summary()).isEqualTo(line);
        assertThat(result.problem()).contains(problem);
    }
}
