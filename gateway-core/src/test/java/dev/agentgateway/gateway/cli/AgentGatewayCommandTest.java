package dev.agentgateway.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.gateway.GatewayServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AgentGatewayCommandTest {

    /** Configuration for rotation tests: EdDSA keys, tokens of at most 60 s and a clock skew of 5 s. */
    private static final String ROTATION_CONFIG = """
            signing-key:
              path: signing-key.jwk
              algorithm: EdDSA
            tokens:
              capability-lifetime: 60s
              txn-token-lifetime: 30s
              clock-skew: 5s
            routes:
              - tool: ops
                path-prefix: /tools/ops/
                backend: http://127.0.0.1:9/
            """;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = AgentGatewayCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void demoIsRegistered() {
        assertThat(AgentGatewayCommand.commandLine().getSubcommands()).containsKeys("serve", "keys", "audit", "demo");
    }

    @Test
    void versionWithoutJarIsDevelopmentBuild() {
        for (String option : new String[] {"--version", "-V"}) {
            out.getBuffer().setLength(0);

            assertThat(run(option)).as(option).isEqualTo(0);
            assertThat(out.toString()).as(option).isEqualTo("agent-gateway development build"
                    + System.lineSeparator());
        }
    }

    @Test
    void versionOfSubcommandIsPrinted() {
        assertThat(run("audit", "verify", "--version")).isEqualTo(0);
        assertThat(out.toString()).startsWith("agent-gateway ");
    }

    @Test
    void versionFromManifestIsPrinted() {
        assertThat(VersionProvider.describe("0.1.0")).isEqualTo("agent-gateway 0.1.0");
        assertThat(VersionProvider.describe(null)).isEqualTo("agent-gateway development build");
    }

    @Test
    void helpCommandPrintsSubcommandUsage() {
        assertThat(run("help", "serve")).isEqualTo(0);
        assertThat(out.toString()).startsWith("Usage: agent-gateway serve").contains("--config=FILE");
    }

    @Test
    void missingCommandIsUsageError() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("missing command");
    }

    @Test
    void keysGenerateWritesOwnerOnlyKey(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("keys/signing-key.jwk");

        assertThat(run("keys", "generate", "--out", file.toString())).as(err.toString()).isZero();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        ECKey key = JWKSet.parse(Files.readString(file)).getKeys().get(0).toECKey();
        assertThat(key.isPrivate()).isTrue();
        assertThat(key.getCurve()).isEqualTo(Curve.P_256);
        assertThat(out.toString()).isEqualTo("generated ES256 signing key " + key.getKeyID() + " in " + file
                + System.lineSeparator());
        assertThat(out.toString()).doesNotContain(key.getD().toString());
    }

    @Test
    void keysGenerateKeepsExistingFile(@TempDir Path directory) throws Exception {
        Path file = Files.writeString(directory.resolve("signing-key.jwk"), "existing");

        assertThat(run("keys", "generate", "--out", file.toString())).isEqualTo(2);

        assertThat(err.toString()).contains("signing key file " + file + " already exists")
                .contains("left unchanged");
        assertThat(out.toString()).isEmpty();
        assertThat(Files.readString(file)).isEqualTo("existing");
    }

    @Test
    void keysWithoutCommandIsUsageError() {
        assertThat(run("keys")).isEqualTo(2);
        assertThat(err.toString()).contains("missing command (expected: generate or rotate)");
    }

    @Test
    void keysGenerateEdDsaKey(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("signing-key.jwk");

        assertThat(run("keys", "generate", "--out", file.toString(), "--algorithm", "EdDSA")).as(err.toString())
                .isZero();

        OctetKeyPair key = JWKSet.parse(Files.readString(file)).getKeys().get(0).toOctetKeyPair();
        assertThat(key.isPrivate()).isTrue();
        assertThat(key.getCurve()).isEqualTo(Curve.Ed25519);
        assertThat(key.getAlgorithm().getName()).isEqualTo("EdDSA");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(out.toString()).startsWith("generated EdDSA signing key " + key.getKeyID());
    }

    @Test
    void keysGenerateUnknownAlgorithmExits2(@TempDir Path directory) {
        Path file = directory.resolve("signing-key.jwk");

        assertThat(run("keys", "generate", "--out", file.toString(), "--algorithm", "RS256")).isEqualTo(2);

        assertThat(err.toString()).contains("--algorithm: \"RS256\" is not supported (expected: one of ES256, EdDSA)");
        assertThat(file).doesNotExist();
    }

    @Test
    void keysRotatePrintsNewKeyAndDeadline(@TempDir Path directory) throws Exception {
        Path keyFile = directory.resolve("signing-key.jwk");
        assertThat(run("keys", "generate", "--out", keyFile.toString())).isZero();
        String oldKeyId = JWKSet.parse(Files.readString(keyFile)).getKeys().get(0).getKeyID();
        Path config = Files.writeString(directory.resolve("gateway.yaml"), ROTATION_CONFIG);
        out.getBuffer().setLength(0);

        Instant before = Instant.now();
        assertThat(run("keys", "rotate", "--config", config.toString())).as(err.toString()).isZero();
        Instant after = Instant.now();

        JWKSet stored = JWKSet.parse(Files.readString(keyFile));
        String newKeyId = stored.getKeys().get(0).getKeyID();
        assertThat(stored.getKeys()).hasSize(2);
        assertThat(stored.getKeys().get(0).getKeyType().getValue()).isEqualTo("OKP");
        assertThat(stored.getKeyByKeyId(oldKeyId).isPrivate()).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        String[] lines = out.toString().split(System.lineSeparator());
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).isEqualTo("new EdDSA signing key " + newKeyId + " in " + keyFile);
        assertThat(lines[1]).startsWith("retired signing key " + oldKeyId + " is published and accepted until ");
        Instant deadline = Instant.parse(lines[1].substring(lines[1].lastIndexOf(' ') + 1));
        // The command reads the system clock, so the deadline lies within the command's run plus the retention:
        // the capability lifetime (60 s, longer than the Txn-Token's 30 s) plus the clock skew (5 s).
        assertThat(deadline).isBetween(before.plusSeconds(65).truncatedTo(ChronoUnit.SECONDS),
                after.plusSeconds(65));
    }

    @Test
    void keysRotateMissingKeyFileExits2(@TempDir Path directory) throws Exception {
        Path config = Files.writeString(directory.resolve("gateway.yaml"), ROTATION_CONFIG);

        assertThat(run("keys", "rotate", "--config", config.toString())).isEqualTo(2);

        assertThat(err.toString()).contains("signing key file " + directory.resolve("signing-key.jwk")
                + " does not exist");
        assertThat(directory.resolve("signing-key.jwk")).doesNotExist();
    }

    @Test
    void serveUsesGeneratedKey(@TempDir Path directory) throws Exception {
        Path keyFile = directory.resolve("signing-key.jwk");
        assertThat(run("keys", "generate", "--out", keyFile.toString())).isZero();
        String keyId = JWKSet.parse(Files.readString(keyFile)).getKeys().get(0).getKeyID();
        String before = Files.readString(keyFile);
        Path config = Files.writeString(directory.resolve("gateway.yaml"), """
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                signing-key:
                  path: signing-key.jwk
                audit:
                  directory: audit
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:9/
                policy:
                  rules: []
                """);

        try (GatewayServer server = GatewayServer.start(ConfigLoader.load(config))) {
            assertThat(JWKSet.parse(server.jwksJson()).getKeyByKeyId(keyId)).as("key %s in the JWKS", keyId)
                    .isNotNull();
        }
        assertThat(Files.readString(keyFile)).as("key file after serving").isEqualTo(before);
    }

    @Test
    void serveInvalidConfigExits2WithLocation(@TempDir Path directory) throws Exception {
        Path config = Files.writeString(directory.resolve("gateway.yaml"),
                "routes:\n  - tool: ops\n    path-prefix: /tools/ops/\n    backend: ftp://127.0.0.1:1/\n");

        assertThat(run("serve", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("gateway.yaml:4: routes[0].backend").doesNotContain("\tat ");
    }

    @Test
    void serveMissingConfigExits2(@TempDir Path directory) {
        Path missing = directory.resolve("gateway.yaml");

        assertThat(run("serve", "--config", missing.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("gateway.yaml").doesNotContain("\tat ");
    }

    @Test
    void servePortInUseExits4(@TempDir Path directory) throws Exception {
        try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path config = Files.writeString(directory.resolve("gateway.yaml"), "listeners:\n  agent: 127.0.0.1:"
                    + held.getLocalPort() + "\n  admin: 127.0.0.1:0\nsigning-key: {path: key.jwk}\n"
                    + "audit: {directory: audit}\nroutes:\n  - tool: ops\n    path-prefix: /tools/ops/\n"
                    + "    backend: http://127.0.0.1:9/\n");

            assertThat(run("serve", "--config", config.toString())).isEqualTo(4);
            assertThat(err.toString()).isEqualTo("agent listener 127.0.0.1:" + held.getLocalPort()
                    + ": address already in use (set listeners.agent in the configuration)" + System.lineSeparator());
        }
    }

    @Test
    void serveInvalidAuditKeyExits1WithOneLine(@TempDir Path directory) throws Exception {
        Path key = directory.resolve("audit-key.jwk");
        Files.writeString(key, dev.agentgateway.audit.AuditSigningKey.generate("EdDSA").publicKey().toJson());
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path config = Files.writeString(directory.resolve("gateway.yaml"), "listeners:\n  agent: 127.0.0.1:0\n"
                + "  admin: 127.0.0.1:0\nsigning-key: {path: key.jwk}\n"
                + "audit: {directory: audit, signing-key: {path: audit-key.jwk}}\nroutes:\n  - tool: ops\n"
                + "    path-prefix: /tools/ops/\n    backend: http://127.0.0.1:9/\n");

        assertThat(run("serve", "--config", config.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("starting the gateway failed: " + key);
        assertThat(err.toString().lines()).hasSize(1);
    }
}
