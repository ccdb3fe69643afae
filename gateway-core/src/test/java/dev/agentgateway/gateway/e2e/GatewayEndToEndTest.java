package dev.agentgateway.gateway.e2e;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import dev.agentgateway.audit.AuditVerifier;
import dev.agentgateway.audit.VerificationResult;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.gateway.AuditSegments;
import dev.agentgateway.gateway.CapturedLogs;
import dev.agentgateway.gateway.GatewayServer;
import dev.agentgateway.gateway.e2e.RecordingBackend.ReceivedRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway over real loopback sockets, configured from a YAML file, with an in-test identity provider, an
 * agent with its own DPoP key and a recording backend. Tests read the audit log back from disk after closing the
 * gateway, because closing waits for pending appends.
 */
@Timeout(60)
class GatewayEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUEUES = "/tools/ops/queues";

    @TempDir
    Path directory;

    private RecordingBackend backend;
    /**
     * Bound to the down route's backend port without listening, so connections to it are refused. While it is open
     * the system assigns the port to no socket that requests an ephemeral port, unlike a port closed before use.
     */
    private Socket deadBackend;
    private TestIdentityProvider humans;
    private TestIdentityProvider agents;
    private GatewayServer gateway;
    private AgentClient agent;
    private boolean gatewayClosed;

    @BeforeEach
    void startGateway() throws Exception {
        backend = RecordingBackend.start();
        humans = new TestIdentityProvider("https://idp.example.test");
        agents = new TestIdentityProvider("https://agents.example.test");
        Path configFile = directory.resolve("gateway.yaml");
        deadBackend = new Socket();
        deadBackend.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Files.writeString(configFile, configYaml(backend.port(), deadBackend.getLocalPort()));
        gateway = GatewayServer.start(withUnprintableAudience(ConfigLoader.load(configFile), "misconfigured"));
        agent = new AgentClient(gateway.publicOrigin());
    }

    /**
     * Returns {@code config} with {@code tool}'s backend audience ending in U+2028. The loader rejects such a value,
     * so it is set on the loaded records to make the Txn-Token issuer fail after the decision record is durable.
     */
    private static GatewayConfig withUnprintableAudience(GatewayConfig config, String tool) {
        List<RouteConfig> routes = config.routes().stream()
                .map(route -> !route.tool().equals(tool) ? route
                        : new RouteConfig(route.tool(), route.pathPrefix(), route.backend(), route.connectTimeout(),
                                route.responseTimeout(), route.backendAudience() + "\u2028", route.idleTimeout()))
                .toList();
        return new GatewayConfig(config.source(), config.agentListener(), config.adminListener(),
                config.publicOrigin(), routes, config.trustedIssuers(), config.signingKey(), config.audit(),
                config.tokens(), config.policy(), config.sampleTool());
    }

    @AfterEach
    void stopGateway() throws IOException {
        closeGateway();
        backend.close();
        if (deadBackend != null) {
            deadBackend.close();
        }
    }

    private String configYaml(int backendPort, int deadPort) {
        return TestIdentityProvider.gatewayYaml(humans, agents) + """
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:%d/api/
                    connect-timeout: 1s
                    response-timeout: 1s
                  - tool: down
                    path-prefix: /tools/down/
                    backend: http://127.0.0.1:%d/
                    connect-timeout: 1s
                  - tool: misconfigured
                    path-prefix: /tools/misconfigured/
                    backend: http://127.0.0.1:%1$d/
                policy:
                  operator:
                    groups: [oncall]
                    required-amr: [hwk]
                    max-auth-age: 12h
                    acr-values: phr
                  rules:
                    - id: ops-health
                      principals: {class: anonymous}
                      tool: ops
                      methods: [GET]
                      paths: ["health"]
                    - id: ops-upload
                      principals: {class: authenticated}
                      tool: ops
                      methods: [POST]
                      paths: ["uploads"]
                      scope: ops.read
                    - id: ops-read
                      principals: {class: authenticated}
                      tool: ops
                      methods: [GET]
                      paths: ["queues", "queues/*"]
                      scope: ops.read
                    - id: ops-drain
                      principals: {class: operator}
                      tool: ops
                      methods: [POST]
                      paths: ["nodes/*/drain"]
                      scope: ops.write
                    - id: misconfigured-status
                      principals: {class: anonymous}
                      tool: misconfigured
                      methods: [GET]
                      paths: ["status"]
                    - id: down-read
                      principals: {class: authenticated}
                      tool: down
                      methods: [GET]
                      paths: ["**"]
                      scope: down.read
                """.formatted(backendPort, deadPort);
    }

    private String aliceToken(String tool, String scope) throws Exception {
        return token("alice", List.of("sre"), List.of("pwd"), tool, scope);
    }

    private String token(String subject, List<String> groups, List<String> amr, String tool, String scope)
            throws Exception {
        return agent.capabilityToken(humans.idToken(subject, groups, amr),
                agents.idToken("agent-7", List.of(), List.of()), tool, scope);
    }

    @Test
    void allowedCallReachesBackendRewritten() throws Exception {
        String token = aliceToken("ops", "ops.read");

        HttpResponse<String> response = agent.call("GET", QUEUES + "?limit=5", token,
                Map.of("Cookie", "session=agent-secret", "X-Forwarded-For", "203.0.113.9"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"path\":\"/api/queues?limit=5\"");
        assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
        assertThat(response.headers().firstValue("X-Backend-Hop")).isEmpty();
        assertThat(backend.received()).hasSize(1);
        ReceivedRequest received = backend.received().get(0);
        assertThat(received.target()).isEqualTo("/api/queues?limit=5");
        assertThat(received.header("Authorization")).isNull();
        assertThat(received.header("DPoP")).isNull();
        assertThat(received.header("Cookie")).isNull();
        assertThat(received.headers().get("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(received.header("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(received.header("X-Forwarded-Host")).isEqualTo(gateway.publicOrigin().substring(7));
        assertThat(received.header("Host")).isEqualTo("127.0.0.1:" + backend.port());
        assertThat(received.header("X-Request-Id")).isEqualTo(response.headers().firstValue("X-Request-Id").get());
    }

    @Test
    void txnTokenVerifiesAndNamesDecisionRecord() throws Exception {
        String token = aliceToken("ops", "ops.read");
        HttpResponse<String> response = agent.call("GET", QUEUES, token, Map.of());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        JWKSet gatewayKeys = JWKSet.parse(agent.get(gateway.publicOrigin() + "/.well-known/jwks.json").body());
        SignedJWT txnToken = SignedJWT.parse(backend.received().get(0).header("Txn-Token"));
        closeGateway();

        ECKey signingKey = (ECKey) gatewayKeys.getKeyByKeyId(txnToken.getHeader().getKeyID());
        assertThat(signingKey).as("key %s in the gateway JWKS", txnToken.getHeader().getKeyID()).isNotNull();
        assertThat(txnToken.verify(new ECDSAVerifier(signingKey))).isTrue();
        assertThat(txnToken.getHeader().getType().getType()).isEqualTo("txntoken+jwt");
        assertThat(txnToken.getJWTClaimsSet().getAudience()).containsExactly("ops");
        AuditRecord decision = onlyRecord(requestId, AuditEventType.DECISION);
        assertThat(txnToken.getJWTClaimsSet().getStringClaim("txn")).isEqualTo(decision.id());
    }

    @Test
    void auditLogHasDecisionThenOutcome() throws Exception {
        String token = aliceToken("ops", "ops.read");
        HttpResponse<String> response = agent.call("GET", QUEUES, token, Map.of());
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        closeGateway();

        AuditRecord decision = onlyRecord(requestId, AuditEventType.DECISION);
        AuditRecord outcome = onlyRecord(requestId, AuditEventType.OUTCOME);
        assertThat(decision.sequence()).isLessThan(outcome.sequence());
        assertThat(decision.event().decision()).isEqualTo("allow");
        assertThat(decision.event().rule()).isEqualTo("ops-read");
        assertThat(decision.event().path()).isEqualTo(QUEUES);
        assertThat(decision.event().principal()).contains("alice");
        assertThat(decision.event().actor()).contains("agent-7");
        assertThat(outcome.event().decisionRecordId()).isEqualTo(decision.id());
        assertThat(outcome.event().status()).isEqualTo(200);
        assertThat(outcome.event().responseBytes()).isEqualTo((long) response.body().length());
        assertThat(records(AuditEventType.TOKEN_EXCHANGE)).hasSize(1);
        VerificationResult verification = AuditVerifier.verify(gateway.auditDirectory());
        assertThat(verification.valid()).as(String.valueOf(verification.problem())).isTrue();
    }

    @Test
    void normalizedPathIsForwarded() throws Exception {
        String token = aliceToken("ops", "ops.read");

        HttpResponse<String> response = agent.send("GET", "/tools/ops/x/../q%75eues", Map.of(
                "Authorization", "DPoP " + token, "DPoP", agent.proof("GET", QUEUES, token)), Map.of());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(backend.received()).extracting(ReceivedRequest::target).containsExactly("/api/queues");
    }

    @Test
    void anonymousRuleAllowsCallWithoutCredentials() throws Exception {
        HttpResponse<String> response = agent.send("GET", "/tools/ops/health", Map.of(), Map.of());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        SignedJWT txnToken = SignedJWT.parse(backend.received().get(0).header("Txn-Token"));
        assertThat(txnToken.getJWTClaimsSet().getSubject()).isEqualTo("anonymous");
    }

    @Test
    void operatorWithHardwareKeyDrainsNode() throws Exception {
        String token = token("carol", List.of("oncall"), List.of("hwk"), "ops", "ops.write");

        HttpResponse<String> response = agent.call("POST", "/tools/ops/nodes/n1/drain", token, Map.of());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        ReceivedRequest received = backend.received().get(0);
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.target()).isEqualTo("/api/nodes/n1/drain");
        assertThat(new String(received.body(), ISO_8859_1)).isEqualTo("{\"reason\":\"test\"}");
    }

    @Test
    void onCallWithoutHardwareKeyGetsStepUp() throws Exception {
        String token = token("bob", List.of("oncall"), List.of("pwd"), "ops", "ops.read");

        HttpResponse<String> response = agent.call("POST", "/tools/ops/nodes/n1/drain", token, Map.of());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
        String challenge = response.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertThat(challenge).startsWith("DPoP error=\"insufficient_user_authentication\"");
        assertThat(challenge).contains("acr_values=\"phr\"");
        assertThat(challenge).contains("max_age=43200");
        assertThat(JSON.readTree(response.body()).get("missing_authority").asText()).isEqualTo("step_up");
        assertThat(backend.received()).isEmpty();
    }

    @Test
    void duplicateAuthorizationGets400() throws Exception {
        String token = aliceToken("ops", "ops.read");

        HttpResponse<String> response = agent.call("GET", QUEUES, token,
                Map.of("Authorization", "DPoP " + token));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"invalid_request\"");
        assertThat(backend.received()).isEmpty();
    }

    @Test
    void chunkedUploadIsStreamedToBackend() throws Exception {
        String token = aliceToken("ops", "ops.read");
        byte[] upload = new byte[1024 * 1024 + 17];
        Arrays.fill(upload, (byte) 'u');

        HttpResponse<String> response = agent.upload("/tools/ops/uploads", token, upload);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"received_bytes\":" + upload.length);
        ReceivedRequest received = backend.received().get(0);
        assertThat(received.body()).isEqualTo(upload);
        assertThat(received.header("Transfer-Encoding")).isEqualTo("chunked");
    }

    @Test
    void largeChunkedResponseIsStreamedAndCounted() throws Exception {
        String token = aliceToken("ops", "ops.read");

        HttpResponse<String> response = agent.call("GET", QUEUES + "/big", token, Map.of());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).hasSize(RecordingBackend.LARGE_BODY_BYTES);
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        closeGateway();
        assertThat(onlyRecord(requestId, AuditEventType.OUTCOME).event().responseBytes())
                .isEqualTo((long) RecordingBackend.LARGE_BODY_BYTES);
    }

    @Test
    void missingTokenGets401WithoutError() throws Exception {
        HttpResponse<String> response = agent.send("GET", QUEUES, Map.of(), Map.of());

        assertThat(response.statusCode()).isEqualTo(401);
        String challenge = response.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertThat(challenge).startsWith("DPoP");
        assertThat(challenge).doesNotContain("error=");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(backend.received()).isEmpty();
    }

    @Test
    void anonymousCallWithoutRuleGets403() throws Exception {
        HttpResponse<String> response = agent.send("DELETE", QUEUES, Map.of(), Map.of());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(JSON.readTree(response.body()).get("missing_authority").asText()).isEqualTo("rule");
        assertThat(backend.received()).isEmpty();
    }

    @Test
    void wrongProofKeyGets401InvalidToken() throws Exception {
        String token = aliceToken("ops", "ops.read");
        AgentClient impostor = new AgentClient(gateway.publicOrigin());

        HttpResponse<String> response = impostor.call("GET", QUEUES, token, Map.of());

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"invalid_token\"");
        assertThat(backend.received()).isEmpty();
    }

    @Test
    void replayedProofGets401InvalidProof() throws Exception {
        String token = aliceToken("ops", "ops.read");
        Map<String, String> credentials = Map.of("Authorization", "DPoP " + token, "DPoP",
                agent.proof("GET", QUEUES, token));

        HttpResponse<String> first = agent.send("GET", QUEUES, credentials, Map.of());
        HttpResponse<String> replay = agent.send("GET", QUEUES, credentials, Map.of());

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(replay.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"invalid_dpop_proof\"");
        assertThat(backend.received()).hasSize(1);
    }

    @Test
    void replayedProofRecordNamesNoPrincipal() throws Exception {
        String token = aliceToken("ops", "ops.read");
        Map<String, String> credentials = Map.of("Authorization", "DPoP " + token, "DPoP",
                agent.proof("GET", QUEUES, token));
        agent.send("GET", QUEUES, credentials, Map.of());

        HttpResponse<String> replay = agent.send("GET", QUEUES, credentials, Map.of());

        assertThat(replay.statusCode()).isEqualTo(401);
        String requestId = replay.headers().firstValue("X-Request-Id").orElseThrow();
        closeGateway();
        AuditEvent denial = onlyRecord(requestId, AuditEventType.DECISION).event();
        assertThat(denial.principal()).as("principal of a request whose proof failed").isNull();
        assertThat(denial.actor()).isNull();
        assertThat(denial.tool()).isEqualTo("ops");
        assertThat(denial.method()).isEqualTo("GET");
        assertThat(denial.path()).isEqualTo(QUEUES);
        assertThat(denial.decision()).isEqualTo("deny");
        assertThat(denial.missingAuthority()).isEqualTo("authentication");
        assertThat(denial.reason()).startsWith("invalid_dpop_proof: ");
    }

    @Test
    void controlCharacterInSubjectRejectedAtTokenEndpoint() throws Exception {
        HttpResponse<String> response = agent.tokenRequest(AgentClient.exchangeForm(
                humans.idToken("alice\nbob", List.of("sre"), List.of("pwd")),
                agents.idToken("agent-7", List.of(), List.of()), "ops", "ops.read"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body());
        assertThat(error.get("error").asText()).isEqualTo("invalid_request");
        assertThat(error.get("error_description").asText()).contains("sub contains control character U+000A");
    }

    /**
     * The route's backend audience ends in U+2028 (see {@link #withUnprintableAudience}), which the Txn-Token issuer
     * rejects after the decision record is durable, so the call fails between decision and forwarding.
     */
    @Test
    void failureBeforeForwardingIsAuditedAsOutcome() throws Exception {
        HttpResponse<String> response = agent.send("GET", "/tools/misconfigured/status", Map.of(), Map.of());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(500);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(backend.received()).isEmpty();
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        closeGateway();
        AuditRecord decision = onlyRecord(requestId, AuditEventType.DECISION);
        AuditRecord outcome = onlyRecord(requestId, AuditEventType.OUTCOME);
        assertThat(decision.event().decision()).isEqualTo("allow");
        assertThat(outcome.event().decisionRecordId()).isEqualTo(decision.id());
        assertThat(outcome.event().status()).isEqualTo(500);
        assertThat(outcome.event().reason()).contains("IllegalArgumentException");
    }

    @Test
    void blankProofIdAtRouteGets401AndIsAudited() throws Exception {
        String token = aliceToken("ops", "ops.read");

        HttpResponse<String> response = agent.send("GET", QUEUES, Map.of("Authorization", "DPoP " + token,
                "DPoP", agent.proofWithId("GET", QUEUES, token, " ")), Map.of());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"invalid_dpop_proof\"");
        assertThat(backend.received()).isEmpty();
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        closeGateway();
        AuditRecord decision = onlyRecord(requestId, AuditEventType.DECISION);
        assertThat(decision.event().decision()).isEqualTo("deny");
        assertThat(decision.event().reason()).startsWith("invalid_dpop_proof");
    }

    @Test
    void blankProofIdAtTokenEndpointGets400() throws Exception {
        HttpResponse<String> response = agent.tokenRequest(AgentClient.exchangeForm(
                humans.idToken("alice", List.of("sre"), List.of("pwd")),
                agents.idToken("agent-7", List.of(), List.of()), "ops", "ops.read"),
                agent.proofWithId("POST", "/oauth2/token", null, ""));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("invalid_dpop_proof");
    }

    @Test
    void operatorCallGets403ProblemDetails() throws Exception {
        String token = aliceToken("ops", "ops.read");

        HttpResponse<String> response = agent.call("POST", "/tools/ops/nodes/n1/drain", token, Map.of());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(problem.get("type").asText()).isEqualTo("https://agent-gateway.dev/problems/operator_mode");
        assertThat(problem.get("status").asInt()).isEqualTo(403);
        assertThat(problem.get("missing_authority").asText()).isEqualTo("operator_mode");
        assertThat(problem.get("rule").asText()).isEqualTo("ops-drain");
        assertThat(problem.get("instance").asText()).isEqualTo(requestId);
        assertThat(problem.get("request_id").asText()).isEqualTo(requestId);
        assertThat(backend.received()).isEmpty();
        closeGateway();
        AuditRecord decision = onlyRecord(requestId, AuditEventType.DECISION);
        assertThat(decision.event().decision()).isEqualTo("deny");
        assertThat(decision.event().missingAuthority()).isEqualTo("operator_mode");
    }

    @Test
    void unreachableBackendGets502AndIsAudited() throws Exception {
        String token = aliceToken("down", "down.read");

        HttpResponse<String> response = agent.call("GET", "/tools/down/status", token, Map.of());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(502);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        closeGateway();
        AuditRecord decision = onlyRecord(requestId, AuditEventType.DECISION);
        AuditRecord outcome = onlyRecord(requestId, AuditEventType.OUTCOME);
        assertThat(outcome.event().status()).isEqualTo(502);
        assertThat(outcome.event().decisionRecordId()).isEqualTo(decision.id());
    }

    @Test
    void slowBackendGets504AndIsAudited() throws Exception {
        String token = aliceToken("ops", "ops.read");

        HttpResponse<String> response = agent.call("GET", QUEUES + "/slow", token, Map.of());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        closeGateway();
        assertThat(onlyRecord(requestId, AuditEventType.OUTCOME).event().status()).isEqualTo(504);
    }

    /**
     * Appends fail for real here: the test lowers this JVM's file size limit (RLIMIT_FSIZE) to the current size of
     * the audit log, which root cannot bypass. The JVM ignores SIGXFSZ, so the write fails with EFBIG. Replacing
     * the directory would not do, because the log keeps its file open.
     */
    @Test
    void auditFailureGets503AndForwardsNothing() throws Exception {
        String token = aliceToken("ops", "ops.read");
        assertThat(agent.call("GET", QUEUES, token, Map.of()).statusCode()).isEqualTo(200);
        String admin = "http://127.0.0.1:" + gateway.adminAddress().getPort();
        long logSize = Files.size(AuditSegments.newest(gateway.auditDirectory()));

        HttpResponse<String> failed;
        HttpResponse<String> readiness;
        String failingMetrics;
        HttpResponse<String> recovered;
        List<String> errors;
        List<String> infos;
        try (CapturedLogs logs = new CapturedLogs()) {
            setFileSizeLimit(logSize + ":unlimited");
            try {
                failed = agent.call("GET", QUEUES, token, Map.of());
                assertThat(agent.call("GET", QUEUES, token, Map.of()).statusCode()).isEqualTo(503);
                readiness = agent.get(admin + "/health/ready");
                failingMetrics = agent.get(admin + "/metrics").body();
            } finally {
                setFileSizeLimit("unlimited");
            }
            recovered = agent.call("GET", QUEUES, token, Map.of());
            errors = logs.messages(Level.ERROR);
            infos = logs.messages(Level.INFO);
        }

        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(503);
        JsonNode problem = JSON.readTree(failed.body());
        assertThat(problem.get("title").asText()).isEqualTo("Audit log unavailable");
        assertThat(problem.has("missing_authority")).isFalse();
        assertThat(backend.received()).as("the calls before and after the outage only").hasSize(2);
        assertThat(readiness.statusCode()).isEqualTo(503);
        assertThat(failingMetrics).contains("gateway_audit_failures_total").contains("gateway_audit_writable 0.0");
        assertThat(errors).as("one error per outage").filteredOn(line -> line.startsWith("Audit log")).hasSize(1);

        assertThat(recovered.statusCode()).isEqualTo(200);
        assertThat(infos).as("one info on recovery").filteredOn(line -> line.startsWith("Audit log")).hasSize(1);
        assertThat(agent.get(admin + "/health/ready").statusCode()).isEqualTo(200);
        String metrics = agent.get(admin + "/metrics").body();
        assertThat(metrics).contains("gateway_audit_writable 1.0")
                .contains("gateway_audit_commit_seconds_bucket")
                .contains("gateway_audit_batch_records_count");
    }

    @Test
    void auditFailureWithholdsIssuedToken() throws Exception {
        aliceToken("ops", "ops.read");
        long logSize = Files.size(AuditSegments.newest(gateway.auditDirectory()));

        HttpResponse<String> response;
        setFileSizeLimit(logSize + ":unlimited");
        try {
            response = agent.tokenRequest(AgentClient.exchangeForm(
                    humans.idToken("alice", List.of("sre"), List.of("pwd")),
                    agents.idToken("agent-7", List.of(), List.of()), "ops", "ops.read"));
        } finally {
            setFileSizeLimit("unlimited");
        }

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).doesNotContain("access_token");
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("server_error");
    }

    private static void setFileSizeLimit(String limit) throws IOException, InterruptedException {
        Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(ProcessHandle.current().pid()),
                "--fsize=" + limit).redirectErrorStream(true).start();
        String output = new String(prlimit.getInputStream().readAllBytes(), ISO_8859_1);
        assertThat(prlimit.waitFor()).as("prlimit --fsize=%s: %s", limit, output).isZero();
    }

    @Test
    void smugglingAttemptGets400AndClose() throws Exception {
        String response = rawExchange("POST " + QUEUES + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET " + QUEUES + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 400 ");
        assertThat(Pattern.compile("(?m)^HTTP/1\\.1 \\d{3} ").matcher(response).results().count())
                .as("status lines in %s", response).isEqualTo(1);
        assertThat(backend.received()).isEmpty();
    }

    @Test
    void obsFoldGets400AndClose() throws Exception {
        String response = rawExchange("GET " + QUEUES + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: DPoP a\r\n"
                + " b\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 400 ");
        assertThat(backend.received()).isEmpty();
    }

    /** Writes {@code request} on a fresh connection and reads until the gateway closes it. */
    private String rawExchange(String request) throws IOException {
        try (Socket socket = new Socket(gateway.agentAddress().getAddress(), gateway.agentAddress().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(ISO_8859_1));
            out.flush();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            try {
                in.transferTo(received);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("connection still open after: " + received.toString(ISO_8859_1), e);
            }
            return received.toString(ISO_8859_1);
        }
    }

    @Test
    void metadataAndJwksAreServed() throws Exception {
        HttpResponse<String> metadata = agent.get(gateway.publicOrigin() + "/.well-known/oauth-authorization-server");
        HttpResponse<String> jwks = agent.get(gateway.publicOrigin() + "/.well-known/jwks.json");

        assertThat(metadata.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(metadata.body()).get("token_endpoint").asText())
                .isEqualTo(gateway.publicOrigin() + "/oauth2/token");
        assertThat(jwks.statusCode()).isEqualTo(200);
        assertThat(JWKSet.parse(jwks.body()).getKeys()).isNotEmpty();
        assertThat(JWKSet.parse(jwks.body()).getKeys()).allMatch(key -> !key.isPrivate());
    }

    @Test
    void metadataRejectsPostWith405() throws Exception {
        HttpResponse<String> response = agent.send("POST", "/.well-known/oauth-authorization-server", Map.of(),
                Map.of());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void tokenEndpointRejectsJsonBody() throws Exception {
        HttpResponse<String> response = agent.send("POST", "/oauth2/token", Map.of(),
                Map.of("Content-Type", "application/json"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("invalid_request");
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        closeGateway();
        List<AuditRecord> exchanges = records(AuditEventType.TOKEN_EXCHANGE);
        assertThat(exchanges).hasSize(1);
        assertThat(exchanges.get(0).event().decision()).isEqualTo("deny");
        assertThat(exchanges.get(0).event().status()).isEqualTo(400);
    }

    @Test
    void tokenEndpointAuditsWrongMethod() throws Exception {
        HttpResponse<String> response = agent.get(gateway.publicOrigin() + "/oauth2/token");

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("POST");
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        closeGateway();
        AuditEvent rejected = onlyRecord(requestId, AuditEventType.TOKEN_EXCHANGE).event();
        assertThat(rejected.decision()).isEqualTo("deny");
        assertThat(rejected.status()).isEqualTo(405);
        assertThat(rejected.method()).isEqualTo("GET");
        assertThat(rejected.path()).isEqualTo("/oauth2/token");
        assertThat(rejected.reason()).isEqualTo("method GET is not allowed (expected: POST)");
    }

    @Test
    void tokenEndpointSendsContinueBeforeBody() throws Exception {
        HttpResponse<String> response = agent.tokenRequestExpectingContinue("grant_type=password");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("unsupported_grant_type");
    }

    @Test
    void tokenExchangeRejectionIsAudited() throws Exception {
        Map<String, String> form = AgentClient.exchangeForm(humans.idToken("alice", List.of("sre"), List.of("pwd")),
                agents.idToken("agent-7", List.of(), List.of()), "nope", "ops.read");

        HttpResponse<String> response = agent.tokenRequest(form);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("invalid_target");
        closeGateway();
        assertThat(records(AuditEventType.TOKEN_EXCHANGE)).singleElement()
                .extracting(record -> record.event().reason()).asString().startsWith("invalid_target");
    }

    @Test
    void metricsCountAnsweredRequests() throws Exception {
        String token = aliceToken("ops", "ops.read");
        agent.call("GET", QUEUES, token, Map.of());
        agent.call("POST", "/tools/ops/nodes/n1/drain", token, Map.of());

        String metrics = agent.get("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/metrics").body();

        assertThat(metrics).contains("gateway_requests_total{route=\"ops\",status=\"200\"} 1.0");
        assertThat(metrics).contains("gateway_requests_total{route=\"ops\",status=\"403\"} 1.0");
        assertThat(metrics).contains("gateway_denials_total{missing_authority=\"operator_mode\"} 1.0");
        assertThat(metrics).contains("gateway_upstream_latency_seconds_count{route=\"ops\"} 1");
    }

    @Test
    void keepAliveConnectionServesManyCalls() throws Exception {
        String token = aliceToken("ops", "ops.read");

        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = agent.call("GET", QUEUES + "/q" + i, token, Map.of());
            assertThat(response.statusCode()).as("call %d: %s", i, response.body()).isEqualTo(200);
        }

        assertThat(backend.received()).extracting(ReceivedRequest::target)
                .containsExactly("/api/queues/q0", "/api/queues/q1", "/api/queues/q2", "/api/queues/q3",
                        "/api/queues/q4");
    }

    private void closeGateway() {
        if (!gatewayClosed) {
            gatewayClosed = true;
            gateway.close();
        }
    }

    private AuditRecord onlyRecord(String requestId, AuditEventType type) throws IOException {
        List<AuditRecord> matching = records(type).stream()
                .filter(record -> record.event().requestId().equals(requestId))
                .toList();
        assertThat(matching).as("%s records of request %s", type, requestId).hasSize(1);
        return matching.get(0);
    }

    private List<AuditRecord> records(AuditEventType type) throws IOException {
        try (AuditRecords records = AuditRecords.open(gateway.auditDirectory())) {
            return records.stream().filter(record -> record.event().type() == type).toList();
        }
    }
}
