package dev.agentgateway.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditPublicKey;
import dev.agentgateway.audit.AuditSigningKey;
import dev.agentgateway.audit.CommitObserver;
import dev.agentgateway.audit.FileAuditLog;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.SigningKeyConfig;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The audit verify, prove, verify-proof and public-key commands, run in-process on real log directories. */
class AuditCommandsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path temp;
    Path directory;
    Path keyFile;
    AuditSigningKey key;

    @BeforeEach
    void createKey() throws Exception {
        directory = temp.resolve("audit");
        keyFile = AuditConfig.defaultKeyPath(directory);
        key = AuditSigningKey.loadOrGenerate(new SigningKeyConfig(keyFile, "EdDSA"));
    }

    private int run(String... args) {
        CommandLine commandLine = AgentGatewayCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    /** Writes {@code count} records with the real writer, which signs checkpoints with {@link #key}. */
    private void writeLog(int count) throws Exception {
        try (FileAuditLog log = FileAuditLog.open(new AuditConfig(directory), key, Clock.systemUTC(),
                CommitObserver.NONE)) {
            for (int i = 1; i <= count; i++) {
                log.append(AuditEvent.builder(AuditEventType.DECISION, "req-" + i).method("GET").build());
            }
        }
    }

    @Test
    void verifyValidLogExits0() throws Exception {
        writeLog(3);

        assertThat(run("audit", "verify", "--directory", directory.toString())).as(err.toString()).isZero();

        String[] lines = out.toString().split(System.lineSeparator());
        assertThat(lines[0]).isEqualTo("audit log valid: 3 records, 1 checkpoint, 3 covered by the last checkpoint");
        assertThat(lines[1]).startsWith("note: ").contains("whoever holds the audit key");
    }

    @Test
    void verifyPositionalDirectoryStillWorks() throws Exception {
        writeLog(2);

        assertThat(run("audit", "verify", directory.toString())).as(err.toString()).isZero();
    }

    @Test
    void verifyWithConfigUsesConfiguredKey() throws Exception {
        writeLog(2);
        Path config = temp.resolve("gateway.yaml");
        Files.writeString(config, """
                audit:
                  directory: audit
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:9/
                """);

        assertThat(run("audit", "verify", "--config", config.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("audit log valid: 2 records");
    }

    @Test
    void verifyTamperedLogExits1() throws Exception {
        writeLog(5);
        Path segment = directory.resolve("audit-00000000000000000001.log");
        List<String> lines = new ArrayList<>(Files.readAllLines(segment));
        lines.set(1, lines.get(1).replace("\"GET\"", "\"PUT\""));
        Files.write(segment, lines);

        assertThat(run("audit", "verify", "--directory", directory.toString())).isEqualTo(1);

        assertThat(out.toString()).startsWith("audit log invalid: record 2 (audit-00000000000000000001.log line 2):"
                + " record changed");
    }

    @Test
    void verifyWrongPublicKeyExits1() throws Exception {
        writeLog(3);
        Path other = temp.resolve("other.jwk");
        Files.writeString(other, AuditSigningKey.generate("ES256").publicKey().toJson());

        assertThat(run("audit", "verify", "--directory", directory.toString(), "--public-key", other.toString()))
                .isEqualTo(1);

        assertThat(out.toString()).startsWith("audit log invalid: checkpoint at checkpoints.log line 1: signed with"
                + " key " + key.keyId() + ", which is not one of the given keys");
    }

    @Test
    void verifyAcceptsOneOfSeveralPublicKeys() throws Exception {
        writeLog(3);
        Path other = temp.resolve("other.jwk");
        Files.writeString(other, AuditSigningKey.generate("ES256").publicKey().toJson());
        Path current = temp.resolve("current.jwk");
        Files.writeString(current, key.publicKey().toJson());

        assertThat(run("audit", "verify", "--directory", directory.toString(), "--public-key", other.toString(),
                "--public-key", current.toString())).as(out.toString()).isZero();
    }

    @Test
    void verifyMissingDirectoryExits2() {
        Path missing = temp.resolve("absent");

        assertThat(run("audit", "verify", "--directory", missing.toString())).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("audit log directory " + missing + " does not exist"
                + System.lineSeparator());
    }

    @Test
    void verifyFileInsteadOfDirectoryExits2() throws Exception {
        Path file = Files.writeString(temp.resolve("file"), "{}\n");

        assertThat(run("audit", "verify", "--directory", file.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith(file + " is not a directory (expected: ");
    }

    @Test
    void verifyLinkedSegmentExits2() throws Exception {
        writeLog(2);
        Path segment = directory.resolve("audit-00000000000000000001.log");
        Path outside = Files.move(segment, temp.resolve("outside.log"));
        Files.createSymbolicLink(segment, outside);

        assertThat(run("audit", "verify", "--directory", directory.toString())).as(out.toString()).isEqualTo(2);
        assertThat(err.toString()).contains("audit segment " + segment + " is a symbolic link, not a regular file");
    }

    @Test
    void verifyDirectoryWithoutLogExits3() throws Exception {
        Files.createDirectories(directory);

        assertThat(run("audit", "verify", "--directory", directory.toString())).isEqualTo(3);
        assertThat(err.toString()).startsWith("no audit log (segment files audit-<seq>.log or checkpoints.log) in "
                + directory);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void verifyDirectoryWithoutLogOrKeyExits3() throws Exception {
        Files.createDirectories(directory);
        Files.delete(keyFile);

        assertThat(run("audit", "verify", directory.toString())).isEqualTo(3);
        assertThat(err.toString()).startsWith("no audit log (segment files audit-<seq>.log or checkpoints.log) in "
                + directory);
    }

    @Test
    void verifyMissingKeyFileExits2() throws Exception {
        writeLog(1);
        Files.delete(keyFile);

        assertThat(run("audit", "verify", "--directory", directory.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("audit key file " + keyFile + " not found")
                .contains("--public-key FILE");
    }

    @Test
    void verifyDirectoryAndConfigTogetherRejected() {
        assertThat(run("audit", "verify", "--directory", "a", "--config", "b")).isEqualTo(2);
        assertThat(err.toString()).contains("mutually exclusive");
    }

    @Test
    void verifyHelpListsExitCodes() {
        assertThat(run("audit", "verify", "--help")).isZero();
        assertThat(out.toString()).contains("Exit codes:").contains("3   the directory contains no audit log")
                .contains("--public-key=FILE").contains("--config=FILE").contains("--directory=DIR");
    }

    @Test
    void proveAndVerifyProofRoundTrip() throws Exception {
        writeLog(5);

        assertThat(run("audit", "prove", "--directory", directory.toString(), "3")).as(err.toString()).isZero();
        String proof = out.toString().strip();
        Path proofFile = Files.writeString(temp.resolve("proof.json"), proof + "\n");
        out.getBuffer().setLength(0);

        assertThat(run("audit", "verify-proof", "--directory", directory.toString(), proofFile.toString()))
                .as(out.toString() + err).isZero();
        assertThat(out.toString()).startsWith("proof valid: record 3 is included in the 5 records");
    }

    @Test
    void verifyProofWithPublicKeyFromStandardInput() throws Exception {
        writeLog(4);
        run("audit", "prove", "--directory", directory.toString(), "4");
        String proof = out.toString();
        out.getBuffer().setLength(0);
        Path publicKey = Files.writeString(temp.resolve("public.jwk"), key.publicKey().toJson());
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream(proof.getBytes(StandardCharsets.UTF_8)));

            assertThat(run("audit", "verify-proof", "--public-key", publicKey.toString(), "-"))
                    .as(out.toString() + err).isZero();
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void verifyProofTamperedExits1() throws Exception {
        writeLog(4);
        run("audit", "prove", "--directory", directory.toString(), "2");
        String proof = out.toString().replace("\\\"GET\\\"", "\\\"PUT\\\"");
        out.getBuffer().setLength(0);
        Path proofFile = Files.writeString(temp.resolve("proof.json"), proof);

        assertThat(run("audit", "verify-proof", "--directory", directory.toString(), proofFile.toString()))
                .isEqualTo(1);
        assertThat(out.toString()).startsWith("proof invalid: inclusion path does not lead from record 2");
    }

    @Test
    void proveUncoveredRecordExits1() throws Exception {
        writeLog(2);
        Files.delete(directory.resolve("checkpoints.log"));

        assertThat(run("audit", "prove", "--directory", directory.toString(), "2")).isEqualTo(1);
        assertThat(err.toString()).contains("wait for the next checkpoint");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void proveRecordBeyondLogExits1() throws Exception {
        writeLog(2);

        assertThat(run("audit", "prove", "--directory", directory.toString(), "3")).isEqualTo(1);
        assertThat(err.toString()).startsWith("record 3 does not exist: the log has 2 records (expected: SEQ from 1"
                + " to 2)").doesNotContain("wait");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void proveSeqZeroExits2() throws Exception {
        writeLog(2);

        assertThat(run("audit", "prove", "--directory", directory.toString(), "0")).isEqualTo(2);
        assertThat(err.toString()).startsWith("SEQ: 0 is not a record seq (expected: 1 or more)");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void proveEmptyDirectoryExits3() throws Exception {
        Files.createDirectories(directory);

        assertThat(run("audit", "prove", "--directory", directory.toString(), "1")).isEqualTo(3);
        assertThat(err.toString()).startsWith("no audit log in " + directory);
    }

    @Test
    void verifyProofMissingFileExits2() throws Exception {
        Path missing = temp.resolve("missing.proof");

        assertThat(run("audit", "verify-proof", "--directory", directory.toString(), missing.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).startsWith("proof file " + missing + " not found");
    }

    @Test
    void verifyProofNamesDefaultKeyFile() throws Exception {
        writeLog(2);
        run("audit", "prove", "--directory", directory.toString(), "1");
        Path proofFile = Files.writeString(temp.resolve("proof.json"), out.toString());
        out.getBuffer().setLength(0);
        Path otherDirectory = temp.resolve("other").resolve("audit");
        Path otherKey = AuditConfig.defaultKeyPath(otherDirectory);
        AuditSigningKey.loadOrGenerate(new SigningKeyConfig(otherKey, "EdDSA"));

        assertThat(run("audit", "verify-proof", "--directory", otherDirectory.toString(), proofFile.toString()))
                .isEqualTo(1);
        assertThat(out.toString()).startsWith("proof invalid: checkpoint signed with key " + key.keyId())
                .contains("checked with the audit key file " + otherKey)
                .contains("--public-key FILE");
    }

    @Test
    void verifyProofHelpNamesDefaultKeyFile() {
        assertThat(run("audit", "verify-proof", "--help")).isZero();
        assertThat(out.toString().replaceAll("\\s+", " ")).contains("agent-gateway-data/audit-key.jwk in the current"
                + " directory");
    }

    @Test
    void publicKeyPrintsPublicJwkOnly() throws Exception {
        assertThat(run("audit", "public-key", "--directory", directory.toString())).as(err.toString()).isZero();

        String printed = out.toString().strip();
        assertThat(printed).isEqualTo(key.publicKey().toJson());
        assertThat(AuditPublicKey.parse(printed).keyId()).isEqualTo(key.keyId());
        String d = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(keyFile))
                .get("d").asText();
        assertThat(printed).doesNotContain(d).doesNotContain("\"d\"");
    }

    @Test
    void publicKeyAcceptsPositionalDirectory() throws Exception {
        assertThat(run("audit", "public-key", directory.toString())).as(err.toString()).isZero();
        assertThat(out.toString().strip()).isEqualTo(key.publicKey().toJson());
    }

    @Test
    void publicKeyMissingFileExits2() throws Exception {
        Files.delete(keyFile);

        assertThat(run("audit", "public-key", "--directory", directory.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("audit key file " + keyFile + " not found");
    }

    @Test
    void auditWithoutSubcommandListsThem() {
        assertThat(run("audit")).isEqualTo(2);
        assertThat(err.toString()).contains("verify").contains("prove").contains("verify-proof")
                .contains("public-key");
    }
}
