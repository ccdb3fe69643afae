package dev.agentgateway.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.gateway.CapturedLogs;
import dev.agentgateway.gateway.GatewayServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Tokens and proofs an agent presents never reach the audit log's files or any log line, debug included: records
 * name them by SHA-256 only.
 */
@Timeout(60)
class CredentialLeakEndToEndTest {

    private static final String QUEUES = "/tools/ops/queues";

    @TempDir
    Path directory;

    private RecordingBackend backend;
    private TestIdentityProvider humans;
    private TestIdentityProvider agents;
    private GatewayServer gateway;
    private AgentClient agent;
    private Logger gatewayLogger;
    private Level previousLevel;

    @BeforeEach
    void startGateway() throws Exception {
        gatewayLogger = (Logger) LoggerFactory.getLogger("dev.agentgateway");
        previousLevel = gatewayLogger.getLevel();
        gatewayLogger.setLevel(Level.DEBUG);
        backend = RecordingBackend.start();
        humans = new TestIdentityProvider("https://idp.example.test");
        agents = new TestIdentityProvider("https://agents.example.test");
        Path configFile = Files.writeString(directory.resolve("gateway.yaml"),
                TestIdentityProvider.gatewayYaml(humans, agents) + """
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:%d/api/
                policy:
                  rules:
                    - id: ops-read
                      principals: {class: authenticated}
                      tool: ops
                      methods: [GET]
                      paths: ["queues"]
                      scope: ops.read
                """.formatted(backend.port()));
        gateway = GatewayServer.start(ConfigLoader.load(configFile));
        agent = new AgentClient(gateway.publicOrigin());
    }

    @AfterEach
    void stopGateway() {
        gateway.close();
        backend.close();
        gatewayLogger.setLevel(previousLevel);
    }

    @Test
    void credentialsNeverWritten() throws Exception {
        List<String> secrets = new ArrayList<>();
        List<String> logLines;
        try (CapturedLogs logs = CapturedLogs.everyLogger()) {
            String subjectToken = humans.idToken("alice", List.of("sre"), List.of("pwd"));
            String actorToken = agents.idToken("agent-7", List.of(), List.of());
            String exchangeProof = agent.proofWithId("POST", "/oauth2/token", null, "exchange-proof-1");
            HttpResponse<String> exchanged = agent.tokenRequest(
                    AgentClient.exchangeForm(subjectToken, actorToken, "ops", "ops.read"), exchangeProof);
            assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
            String token = new ObjectMapper().readTree(exchanged.body()).get("access_token").asText();
            String callProof = agent.proof("GET", QUEUES, token);
            String forgedToken = token.substring(0, token.lastIndexOf('.') + 1) + "Zm9yZ2VkLXNpZ25hdHVyZQ";
            String forgedProof = agent.proof("GET", QUEUES, forgedToken);
            secrets.addAll(List.of(subjectToken, actorToken, exchangeProof, token, callProof, forgedToken,
                    forgedProof));

            HttpResponse<String> allowed = agent.send("GET", QUEUES, Map.of("Authorization", "DPoP " + token,
                    "DPoP", callProof), Map.of());
            HttpResponse<String> rejected = agent.send("GET", QUEUES, Map.of("Authorization", "DPoP " + forgedToken,
                    "DPoP", forgedProof), Map.of());

            assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
            assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(401);
            gateway.close();
            logLines = new ArrayList<>();
            for (Level level : List.of(Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR)) {
                logLines.addAll(logs.messages(level));
            }
        }

        assertThat(logLines).as("log lines").isNotEmpty();
        List<AuditRecord> records = readRecords();
        assertThat(records).extracting(record -> record.event().proofHash()).containsExactly(
                sha256(secrets.get(2)), sha256(secrets.get(4)), sha256(secrets.get(6)));
        assertThat(records).extracting(record -> record.event().tokenHash()).containsExactly(
                null, sha256(secrets.get(3)), sha256(secrets.get(5)));
        String auditFiles = auditFilesText();
        assertThat(auditFiles).as("audit files").contains("\"decision\":\"deny\"");
        for (String secret : secrets) {
            String signature = secret.substring(secret.lastIndexOf('.') + 1);
            assertThat(auditFiles).as("audit files").doesNotContain(signature);
            assertThat(logLines).as("log lines").noneMatch(line -> line.contains(signature));
        }
    }

    /** Returns the token exchange, allowed call and rejected call records; outcomes carry no credentials. */
    private List<AuditRecord> readRecords() throws Exception {
        try (AuditRecords records = AuditRecords.open(gateway.auditDirectory())) {
            return records.stream().filter(record -> record.event().type() != AuditEventType.OUTCOME).toList();
        }
    }

    private static String sha256(String compact) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(compact.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    private String auditFilesText() throws Exception {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.list(gateway.auditDirectory())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                text.append(Files.readString(file, StandardCharsets.ISO_8859_1));
            }
        }
        return text.toString();
    }
}
