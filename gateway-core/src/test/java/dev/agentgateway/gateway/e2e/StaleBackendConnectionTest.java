package dev.agentgateway.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.gateway.GatewayServer;
import dev.agentgateway.gateway.e2e.RawAgentConnection.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pooled backend connections that the backend closes, over real loopback sockets. The gateway closes idle
 * connections itself after the route's idle timeout. When a reused connection closes before the response, the
 * gateway sends an idempotent request once more on a new connection, but never a POST.
 */
@Timeout(60)
class StaleBackendConnectionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUEUES = "/tools/ops/queues";
    private static final String UPLOADS = "/tools/ops/uploads";

    @TempDir
    Path directory;

    private KeepAliveBackend backend;
    private TestIdentityProvider humans;
    private TestIdentityProvider agents;
    private GatewayServer gateway;
    private AgentClient agent;
    private String token;

    @BeforeEach
    void startBackend() throws Exception {
        backend = KeepAliveBackend.start();
        humans = new TestIdentityProvider("https://idp.example.test");
        agents = new TestIdentityProvider("https://agents.example.test");
    }

    @AfterEach
    void stop() throws IOException {
        if (gateway != null) {
            gateway.close();
        }
        backend.close();
    }

    private void startGateway(String idleTimeout) throws Exception {
        Path configFile = directory.resolve("gateway.yaml");
        Files.writeString(configFile, """
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                signing-key:
                  path: data/signing-key.jwk
                audit:
                  directory: data/audit
                trusted-issuers:
                  - issuer: %s
                    audiences: [agent-gateway]
                    jwks:
                      inline: '%s'
                  - issuer: %s
                    audiences: [agent-gateway]
                    jwks:
                      inline: '%s'
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:%d/api/
                    response-timeout: 10s
                    idle-timeout: %s
                policy:
                  rules:
                    - id: ops-read
                      principals: {class: authenticated}
                      tool: ops
                      methods: [GET]
                      paths: ["queues"]
                      scope: ops.read
                    - id: ops-upload
                      principals: {class: authenticated}
                      tool: ops
                      methods: [POST]
                      paths: ["uploads"]
                      scope: ops.read
                """.formatted(humans.issuer(), humans.publicJwks(), agents.issuer(), agents.publicJwks(),
                backend.port(), idleTimeout));
        gateway = GatewayServer.start(ConfigLoader.load(configFile));
        agent = new AgentClient(gateway.publicOrigin());
        token = agent.capabilityToken(humans.idToken("alice", List.of("sre"), List.of("pwd")),
                agents.idToken("agent-7", List.of(), List.of()), "ops", "ops.read");
    }

    private Map<String, String> credentials(String method, String path) throws Exception {
        return Map.of("Authorization", "DPoP " + token, "DPoP", agent.proof(method, path, token));
    }

    @Test
    void closedReusedConnectionRetriesGet() throws Exception {
        startGateway("20s");

        Response first;
        Response second;
        try (RawAgentConnection connection = new RawAgentConnection(gateway.agentAddress())) {
            first = connection.exchange("GET", QUEUES, credentials("GET", QUEUES), null);
            second = connection.exchange("GET", QUEUES, credentials("GET", QUEUES), null);
        }

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(second.body()).as("answered on the new connection").isEqualTo("{\"connection\":2}");
        assertThat(backend.closedOnReuse()).isEqualTo(1);
        assertThat(backend.connections()).isEqualTo(2);
        assertThat(backend.served()).containsExactly("GET /api/queues", "GET /api/queues");
        String metrics = agent.get("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/metrics").body();
        assertThat(metrics).contains("gateway_upstream_retries_total{route=\"ops\"} 1.0");
        gateway.close();
        assertThat(events(second.requestId(), AuditEventType.DECISION)).singleElement()
                .extracting(AuditEvent::decision).isEqualTo("allow");
        assertThat(events(second.requestId(), AuditEventType.OUTCOME)).singleElement()
                .extracting(AuditEvent::status).isEqualTo(200);
    }

    @Test
    void closedReusedConnectionFailsPost() throws Exception {
        startGateway("20s");

        Response first;
        Response upload;
        try (RawAgentConnection connection = new RawAgentConnection(gateway.agentAddress())) {
            first = connection.exchange("GET", QUEUES, credentials("GET", QUEUES), null);
            upload = connection.exchange("POST", UPLOADS, credentials("POST", UPLOADS), "{\"reason\":\"test\"}");
        }

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(upload.status()).as(upload.body()).isEqualTo(502);
        assertThat(JSON.readTree(upload.body()).get("type").asText()).endsWith("/backend_failed");
        assertThat(backend.closedOnReuse()).isEqualTo(1);
        assertThat(backend.connections()).as("connections opened; a retry would open a second").isEqualTo(1);
        assertThat(backend.served()).containsExactly("GET /api/queues");
        gateway.close();
        assertThat(events(upload.requestId(), AuditEventType.DECISION)).singleElement()
                .extracting(AuditEvent::decision).isEqualTo("allow");
        AuditEvent outcome = events(upload.requestId(), AuditEventType.OUTCOME).get(0);
        assertThat(outcome.status()).isEqualTo(502);
        assertThat(outcome.reason()).startsWith("the backend of tool \"ops\"");
    }

    @Test
    void idleConnectionIsClosedByGateway() throws Exception {
        startGateway("1s");

        Response first;
        Response second;
        boolean closedByGateway;
        try (RawAgentConnection connection = new RawAgentConnection(gateway.agentAddress())) {
            first = connection.exchange("GET", QUEUES, credentials("GET", QUEUES), null);
            closedByGateway = backend.awaitClosedByGateway(Duration.ofSeconds(30));
            second = connection.exchange("GET", QUEUES, credentials("GET", QUEUES), null);
        }

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(closedByGateway).as("gateway closed the idle backend connection").isTrue();
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(backend.closedOnReuse()).isZero();
        assertThat(backend.connections()).isEqualTo(2);
    }

    private List<AuditEvent> events(String requestId, AuditEventType type) throws IOException {
        try (AuditRecords records = AuditRecords.open(gateway.auditDirectory())) {
            return records.stream()
                    .map(AuditRecord::event)
                    .filter(event -> event.type() == type && event.requestId().equals(requestId))
                    .toList();
        }
    }
}
