package dev.agentgateway.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditSigningKey;
import dev.agentgateway.audit.CommitObserver;
import dev.agentgateway.audit.FileAuditLog;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.SigningKeyConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The audit seal command and the refusal to serve a log whose records lost their checkpoints. */
class AuditSealCommandTest {

    /** When the records were written: an hour ago, far beyond the checkpoint interval plus a minute. */
    private static final Instant WRITTEN = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    @TempDir
    Path temp;
    Path directory;
    AuditSigningKey key;

    @BeforeEach
    void createKey() throws Exception {
        directory = temp.resolve("audit");
        key = AuditSigningKey.loadOrGenerate(new SigningKeyConfig(AuditConfig.defaultKeyPath(directory), "EdDSA"));
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine commandLine = AgentGatewayCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    /** Writes {@code count} records dated {@link #WRITTEN} and removes the checkpoints that covered them. */
    private void writeUncoveredLog(int count) throws Exception {
        try (FileAuditLog log = FileAuditLog.open(new AuditConfig(directory), key,
                Clock.fixed(WRITTEN, ZoneOffset.UTC), CommitObserver.NONE)) {
            for (int i = 1; i <= count; i++) {
                log.append(AuditEvent.builder(AuditEventType.DECISION, "req-" + i).method("GET").build());
            }
        }
        Files.delete(directory.resolve(FileAuditLog.CHECKPOINT_FILE_NAME));
    }

    @Test
    void sealWithEarlierKeyRecordsKeyChange() throws Exception {
        writeUncoveredLog(2);
        assertThat(run("audit", "seal", "--directory", directory.toString())).as(err.toString()).isZero();
        Path earlier = directory.resolveSibling("earlier-audit-key.jwk");
        Files.move(AuditConfig.defaultKeyPath(directory), earlier);
        Files.writeString(directory.resolveSibling("earlier-public.jwk"), key.publicKey().toJson());
        AuditSigningKey current = AuditSigningKey.loadOrGenerate(new AuditConfig(directory).signingKey());

        assertThat(run("audit", "seal", "--directory", directory.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("not with the current audit key " + current.keyId())
                .contains("audit seal --public-key");

        assertThat(run("audit", "seal", "--directory", directory.toString(), "--public-key",
                directory.resolveSibling("earlier-public.jwk").toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("recorded the change of the audit key from " + key.keyId() + " to "
                + current.keyId() + " as record 3");
        assertThat(run("audit", "verify", "--directory", directory.toString(), "--public-key",
                directory.resolveSibling("earlier-public.jwk").toString(), "--public-key",
                AuditConfig.defaultKeyPath(directory).toString())).as(out.toString()).isZero();
    }

    @Test
    void sealCoversOldRecords() throws Exception {
        writeUncoveredLog(3);
        assertThat(run("audit", "verify", "--directory", directory.toString())).isEqualTo(1);
        assertThat(out.toString()).contains("audit seal");

        assertThat(run("audit", "seal", "--directory", directory.toString())).as(err.toString()).isZero();

        assertThat(out.toString()).isEqualTo("sealed audit records 1 to 3 in " + directory + ", dated " + WRITTEN
                + " to " + WRITTEN + System.lineSeparator() + "signed a checkpoint of 3 records with audit key "
                + key.keyId() + System.lineSeparator());
        assertThat(run("audit", "verify", "--directory", directory.toString())).as(out.toString()).isZero();
        assertThat(out.toString()).startsWith("audit log valid: 3 records, 1 checkpoint, 3 covered");
        try (FileAuditLog log = FileAuditLog.open(new AuditConfig(directory), key, Clock.systemUTC(),
                CommitObserver.NONE)) {
            assertThat(log.lastDurableSequence()).isEqualTo(3);
        }
    }

    @Test
    void sealCoveredLogSealsNothing() throws Exception {
        writeUncoveredLog(2);
        assertThat(run("audit", "seal", directory.toString())).as(err.toString()).isZero();

        assertThat(run("audit", "seal", directory.toString())).as(err.toString()).isZero();

        assertThat(out.toString()).startsWith("nothing to seal");
    }

    @Test
    void sealRecordBeforeCheckpointExits1() throws Exception {
        writeUncoveredLog(3);
        Path segment = directory.resolve("audit-00000000000000000001.log");
        List<String> lines = Files.readAllLines(segment);
        Files.write(segment, lines.subList(0, 2));
        assertThat(run("audit", "seal", directory.toString())).as(err.toString()).isZero();
        Files.writeString(segment, lines.get(2) + "\n", StandardOpenOption.APPEND);

        assertThat(run("audit", "seal", directory.toString())).isEqualTo(1);

        assertThat(err.toString()).startsWith("sealing audit log " + directory + " failed: audit record seq 3")
                .contains("the time of the last checkpoint");
    }

    @Test
    void sealMissingKeyExits2() throws Exception {
        writeUncoveredLog(1);
        Files.delete(AuditConfig.defaultKeyPath(directory));

        assertThat(run("audit", "seal", directory.toString())).isEqualTo(2);

        assertThat(err.toString()).contains("not found");
        assertThat(AuditConfig.defaultKeyPath(directory)).doesNotExist();
    }

    @Test
    void sealEmptyDirectoryExits3() throws Exception {
        Files.createDirectories(directory);

        assertThat(run("audit", "seal", directory.toString())).isEqualTo(3);
    }

    @Test
    void serveOldUncoveredRecordsExits1() throws Exception {
        writeUncoveredLog(2);
        Path config = Files.writeString(temp.resolve("gateway.yaml"), "listeners:\n  agent: 127.0.0.1:0\n"
                + "  admin: 127.0.0.1:0\nsigning-key: {path: key.jwk}\n"
                + "audit: {directory: audit}\nroutes:\n  - tool: ops\n"
                + "    path-prefix: /tools/ops/\n    backend: http://127.0.0.1:9/\n");

        assertThat(run("serve", "--config", config.toString())).isEqualTo(1);

        assertThat(err.toString()).startsWith("starting the gateway failed: audit records 1 to 2 in ")
                .contains("audit seal");
        assertThat(err.toString().lines()).hasSize(1);
    }
}
