package dev.agentgateway.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import dev.agentgateway.audit.AuditVerifier;
import dev.agentgateway.gateway.AuditSegments;
import dev.agentgateway.audit.VerificationResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoCommandTest {

    @TempDir
    Path workDirectory;

    @Test
    void demoPassesEveryStep() throws IOException {
        Run run = runDemo();

        assertThat(run.exitCode()).as(run.output()).isEqualTo(0);
        assertThat(run.output()).contains("All 4 steps behaved as expected.");
        assertThat(run.output()).contains("missing_authority: operator_mode");
        assertThat(run.output()).contains("error=\"invalid_dpop_proof\"");
        assertThat(run.output()).contains("agent-gateway audit verify " + auditDirectory());
        assertThat(run.output()).contains("audit verify: the hash chain is intact (6 records verified).");
        assertThat(run.output()).contains("DPoP proof jti has already been used (proofs are single-use)");
    }

    @Test
    void demoAuditLogVerifies() throws IOException {
        Run run = runDemo();

        assertThat(run.exitCode()).as(run.output()).isEqualTo(0);
        VerificationResult result = AuditVerifier.verify(auditDirectory());
        assertThat(result.valid()).as(String.valueOf(result)).isTrue();
        assertThat(result.recordsVerified()).isEqualTo(readRecords().size());
        assertThat(readRecords()).extracting(record -> record.event().decision()).contains("allow", "deny");
    }

    @Test
    void demoOutputShowsNoTokens() {
        Run run = runDemo();

        // A compact JWT whose header JSON starts with {" begins with "eyJ", and Nimbus writes every header that way.
        // The dot after it is required because a random key thumbprint may contain "eyJ" by chance.
        assertThat(run.output()).doesNotContainPattern("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+");
    }

    @Test
    void demoStartsFreshAuditLogPerRun() throws IOException {
        Run first = runDemo();
        List<AuditRecord> firstRecords = readRecords();
        Run second = runDemo();
        List<AuditRecord> secondRecords = readRecords();

        assertThat(first.exitCode()).as(first.output()).isEqualTo(0);
        assertThat(second.exitCode()).as(second.output()).isEqualTo(0);
        assertThat(secondRecords).hasSameSizeAs(firstRecords);
        assertThat(secondRecords.get(0).sequence()).isEqualTo(1);
        assertThat(secondRecords.get(0).id()).isNotEqualTo(firstRecords.get(0).id());
    }

    @Test
    void malformedMiddleRecordIsReported() throws IOException {
        Run run = runDemo();
        assertThat(run.exitCode()).as(run.output()).isEqualTo(0);
        Path log = logFile();
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        int middle = lines.size() / 2;
        assertThat(lines.get(middle)).startsWith("{");
        replaceLine(log, lines, middle, "[" + lines.get(middle).substring(1));

        VerificationResult result = AuditVerifier.verify(auditDirectory());

        assertThat(result.valid()).isFalse();
        assertThat(result.firstBadSequence()).isEqualTo(middle + 1);
        assertThat(result.firstBadLine()).isEqualTo(middle + 1);
        assertThat(result.recordsVerified()).isEqualTo(middle);
    }

    @Test
    void changedValueInMiddleRecordIsReported() throws IOException {
        Run run = runDemo();
        assertThat(run.exitCode()).as(run.output()).isEqualTo(0);
        Path log = logFile();
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        int middle = lines.size() / 2;
        String original = lines.get(middle);
        int quote = original.indexOf("\"principal\":\"") + "\"principal\":\"".length();
        assertThat(quote).as("record %d has a principal", middle + 1).isGreaterThan("\"principal\":\"".length());
        char replaced = original.charAt(quote) == 'x' ? 'y' : 'x';
        String edited = original.substring(0, quote) + replaced + original.substring(quote + 1);
        replaceLine(log, lines, middle, edited);

        VerificationResult result = AuditVerifier.verify(auditDirectory());

        // The edited record stays well-formed, and the record after it is not the last one, so the verifier can
        // tell that the edited record changed rather than its successor.
        long editedSequence = middle + 1;
        assertThat(lines.size()).isGreaterThan(middle + 2);
        assertThat(result.valid()).isFalse();
        assertThat(result.firstBadSequence()).isEqualTo(editedSequence);
        assertThat(result.firstBadLine()).isEqualTo(editedSequence);
        assertThat(result.problem()).startsWith("record changed: its hash does not match the prev of record "
                + (editedSequence + 1));
    }

    @Test
    void foreignWorkDirectoryIsRejected() throws IOException {
        Files.writeString(workDirectory.resolve("other.txt"), "not the demo's");

        Run run = runDemo();

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.output()).contains("Set-up failed: work directory ").contains("--work-dir");
        assertThat(run.output()).doesNotContain("IOException");
        assertThat(workDirectory.resolve("other.txt")).hasContent("not the demo's");
    }

    private Run runDemo() {
        StringWriter out = new StringWriter();
        CommandLine commandLine = new CommandLine(new DemoCommand())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(out, true));
        int exitCode = commandLine.execute("--work-dir", workDirectory.toString());
        return new Run(exitCode, out.toString());
    }

    private Path auditDirectory() {
        return workDirectory.toAbsolutePath().resolve("audit");
    }

    private List<AuditRecord> readRecords() throws IOException {
        try (AuditRecords records = AuditRecords.open(auditDirectory())) {
            return records.stream().toList();
        }
    }

    private Path logFile() throws IOException {
        return AuditSegments.newest(auditDirectory());
    }

    private static void replaceLine(Path log, List<String> lines, int index, String line) throws IOException {
        List<String> edited = new ArrayList<>(lines);
        edited.set(index, line);
        Files.writeString(log, String.join("\n", edited) + "\n", StandardCharsets.UTF_8);
    }

    private record Run(int exitCode, String output) {
    }
}
