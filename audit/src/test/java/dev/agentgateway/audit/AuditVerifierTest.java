package dev.agentgateway.audit;

import static dev.agentgateway.audit.AuditFixtures.CLOCK;
import static dev.agentgateway.audit.AuditFixtures.decision;
import static dev.agentgateway.audit.AuditFixtures.writeLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentgateway.audit.internal.RecordCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AuditVerifierTest {

    private static final int RECORDS = 5;

    @TempDir
    Path directory;

    @Test
    void verifyAcceptsIntactLog() throws IOException {
        writeLog(directory, RECORDS);

        VerificationResult result = AuditVerifier.verify(directory);

        assertThat(result).isEqualTo(VerificationResult.valid(RECORDS));
        assertThat(result.limitation()).startsWith("record 5 is the last record");
    }

    @Test
    void verifyAcceptsEmptyLog() throws IOException {
        Files.createFile(AuditFixtures.segment(directory, 1));

        VerificationResult result = AuditVerifier.verify(directory);

        assertThat(result).isEqualTo(VerificationResult.valid(0));
        assertThat(result.limitation()).isNull();
    }

    @Test
    void verifyRejectsMissingLog() {
        assertThatThrownBy(() -> AuditVerifier.verify(directory))
                .isInstanceOfSatisfying(NoSuchFileException.class, e -> assertThat(e.getFile())
                        .isEqualTo(AuditFixtures.segment(directory, 1).toString()));
    }

    @Test
    void verifyRejectsMissingDirectory() {
        Path missing = directory.resolve("missing");

        assertThatThrownBy(() -> AuditVerifier.verify(missing))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(missing.toString());
    }

    static Stream<Arguments> tamperings() {
        return Stream.of(
                Arguments.of("edit value in middle record",
                        edit(3, line -> line.replace("req-3", "req-X")),
                        3, 3, "record 3 was modified: its hash no longer matches the prev of record 4,"
                                + " which itself is intact"),
                Arguments.of("edit value in second to last record",
                        edit(4, line -> line.replace("req-4", "req-X")),
                        5, 5, "prev does not match the hash of record 4: record 4 was modified"
                                + " or record 5's prev was altered"),
                Arguments.of("edit prev of middle record",
                        edit(3, AuditVerifierTest::flipFirstPrevDigit),
                        3, 3, "prev does not match the hash of record 2: record 2 was modified"
                                + " or record 3's prev was altered"),
                Arguments.of("edit prev of first record",
                        edit(1, AuditVerifierTest::flipFirstPrevDigit),
                        1, 1, "prev is not 64 zeros"),
                Arguments.of("edit seq of middle record",
                        edit(3, line -> line.replace("\"seq\":3", "\"seq\":7")),
                        3, 3, "seq is 7 (expected: 3)"),
                Arguments.of("delete record",
                        lines(lines -> lines.remove(2)),
                        3, 3, "seq is 4 (expected: 3)"),
                Arguments.of("reorder two records",
                        lines(lines -> lines.add(1, lines.remove(2))),
                        2, 2, "seq is 3 (expected: 2)"),
                Arguments.of("duplicate record",
                        lines(lines -> lines.add(2, lines.get(1))),
                        3, 3, "seq is 2 (expected: 3)"),
                Arguments.of("insert forged record with matching prev",
                        lines(lines -> lines.add(2, forgedLine(3, hashOf(lines.get(1))))),
                        4, 4, "seq is 3 (expected: 4)"),
                Arguments.of("insert forged record with wrong prev",
                        lines(lines -> lines.add(2, forgedLine(3, RecordCodec.FIRST_PREV))),
                        3, 3, "prev does not match the hash of record 2"),
                Arguments.of("insert empty line",
                        lines(lines -> lines.add(2, "")),
                        3, 3, "line is not valid JSON"),
                Arguments.of("break JSON of middle record",
                        edit(2, line -> line.replaceFirst("\"tool\"", "tool")),
                        2, 2, "line is not valid JSON"),
                Arguments.of("duplicate member name",
                        edit(3, line -> line.replace("\"tool\":\"ops\"", "\"tool\":\"ops\",\"tool\":\"billing\"")),
                        3, 3, "duplicate member \"tool\""),
                Arguments.of("rename member",
                        edit(3, line -> line.replace("\"tool\"", "\"tooX\"")),
                        3, 3, "unknown member \"tooX\""),
                Arguments.of("remove required member",
                        edit(3, line -> line.replaceFirst(",\"request_id\":\"req-3\"", "")),
                        3, 3, "member \"request_id\" is missing"),
                Arguments.of("add space",
                        edit(3, line -> line.replace("\"seq\":3", "\"seq\": 3")),
                        3, 3, "line is not in canonical form"),
                Arguments.of("end line with CRLF",
                        edit(2, line -> line + "\r"),
                        2, 2, "line is not in canonical form"),
                Arguments.of("append object after record",
                        edit(2, line -> line + "{}"),
                        2, 2, "line is not valid JSON"),
                Arguments.of("nest object",
                        edit(2, line -> line.replace("\"ops\"", "{\"name\":\"ops\"}")),
                        2, 2, "member \"tool\" is not a string or an integer"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tamperings")
    void verifyNamesFirstBadRecord(String name, UnaryOperator<List<String>> tamper, long sequence, long line,
            String problem) throws IOException {
        writeLog(directory, RECORDS);
        rewriteLines(tamper);

        VerificationResult result = AuditVerifier.verify(directory);

        assertThat(result.valid()).isFalse();
        assertThat(result.firstBadSequence()).as("sequence").isEqualTo(sequence);
        assertThat(result.firstBadLine()).as("line").isEqualTo(line);
        assertThat(result.recordsVerified()).as("records verified").isEqualTo(sequence - 1);
        assertThat(result.file()).isEqualTo("audit-00000000000000000001.log");
        assertThat(result.problem()).contains(problem);
        assertThat(result.limitation()).isNull();
    }

    @Test
    void verifyRejectsTruncatedLastLine() throws IOException {
        writeLog(directory, RECORDS);
        Path file = AuditFixtures.segment(directory, 1);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 40));

        VerificationResult result = AuditVerifier.verify(directory);

        assertThat(result).isEqualTo(VerificationResult.invalid(4, 5, 5, "audit-00000000000000000001.log", "final line is incomplete"));
    }

    @Test
    void verifyMissesValidEditOfLastRecord() throws IOException {
        writeLog(directory, RECORDS);
        rewriteLines(edit(RECORDS, line -> line.replace("req-5", "req-X")));

        VerificationResult result = AuditVerifier.verify(directory);

        assertThat(result.valid()).as("a hash chain alone cannot detect this edit").isTrue();
        assertThat(result.limitation()).contains("record 5 is the last record").contains("not detected");
    }

    @Test
    void verifyDetectsEveryByteFlip() throws IOException {
        writeLog(directory, 4);
        Path file = AuditFixtures.segment(directory, 1);
        byte[] original = Files.readAllBytes(file);
        int lastRecordStart = lastIndexOf(original, original.length - 2) + 1;
        int namedAfter = 0;

        int record = 1;
        for (int i = 0; i < original.length; i++) {
            byte[] tampered = original.clone();
            tampered[i] ^= 0x01;
            Files.write(file, tampered);

            VerificationResult result = AuditVerifier.verify(directory);

            if (i < lastRecordStart) {
                assertThat(result.valid()).as("flip at byte %d in record %d", i, record).isFalse();
                assertThat(result.firstBadSequence()).as("flip at byte %d in record %d", i, record)
                        .isBetween((long) record, record + 1L);
                if (result.firstBadSequence() == record + 1) {
                    namedAfter++;
                    assertThat(result.problem()).contains("record " + record + " was modified");
                }
            } else if (!result.valid()) {
                assertThat(result.firstBadSequence()).as("flip at byte %d in the last record", i).isEqualTo(4);
            }
            if (original[i] == '\n') {
                record++;
            }
        }
        assertThat(namedAfter).as("edits that leave a well-formed record are caught by the next prev")
                .isPositive();
    }

    private static UnaryOperator<List<String>> edit(int sequence, UnaryOperator<String> change) {
        return lines -> {
            String before = lines.get(sequence - 1);
            String after = change.apply(before);
            assertThat(after).as("tampering changes record %d", sequence).isNotEqualTo(before);
            lines.set(sequence - 1, after);
            return lines;
        };
    }

    private static UnaryOperator<List<String>> lines(Consumer<List<String>> change) {
        return lines -> {
            change.accept(lines);
            return lines;
        };
    }

    private static String flipFirstPrevDigit(String line) {
        int digit = line.indexOf("\"prev\":\"") + 8;
        char replacement = line.charAt(digit) == 'a' ? 'b' : 'a';
        return line.substring(0, digit) + replacement + line.substring(digit + 1);
    }

    private static String hashOf(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
        return RecordCodec.sha256Hex(bytes, 0, bytes.length);
    }

    private static String forgedLine(long sequence, String prev) {
        byte[] line = RecordCodec.encodeRecord(sequence, "forged", CLOCK.instant(), decision("req-forged"), prev);
        return new String(line, StandardCharsets.US_ASCII);
    }

    private void rewriteLines(UnaryOperator<List<String>> tamper) throws IOException {
        Path file = AuditFixtures.segment(directory, 1);
        List<String> lines = tamper.apply(new ArrayList<>(Files.readAllLines(file, StandardCharsets.US_ASCII)));
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append('\n');
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    private static int lastIndexOf(byte[] bytes, int from) {
        for (int i = from; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
