package dev.agentgateway.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.gateway.GatewayServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DPoP server nonces (RFC 9449 §8 and §9) over real loopback sockets: a token endpoint and a route that require
 * them, and a route that offers them. One gateway serves every test, and each test counts the backend's requests
 * around its own calls.
 */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DPoPNonceEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUIRED = "/tools/ops/queues";
    private static final String OFFERED = "/tools/offered/queues";
    private static final String NONCE_SECRET = "nonce-secret-for-the-end-to-end-test-0123456789";

    @TempDir
    static Path directory;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private RecordingBackend backend;
    private TestIdentityProvider humans;
    private TestIdentityProvider agents;
    private GatewayServer gateway;
    private AgentClient agent;

    @BeforeAll
    void startGateway() throws Exception {
        backend = RecordingBackend.start();
        humans = new TestIdentityProvider("https://idp.example.test");
        agents = new TestIdentityProvider("https://agents.example.test");
        Path configFile = Files.writeString(directory.resolve("gateway.yaml"), """
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                signing-key:
                  path: data/signing-key.jwk
                audit:
                  directory: data/audit
                tokens:
                  dpop-nonce:
                    token-endpoint: required
                    secrets: ["%s"]
                trusted-issuers:
                  - issuer: %s
                    audiences: [agent-gateway]
                    algorithms: [ES256]
                    jwks:
                      inline: '%s'
                  - issuer: %s
                    audiences: [agent-gateway]
                    algorithms: [ES256]
                    jwks:
                      inline: '%s'
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:%6$d/api/
                    dpop-nonce: required
                  - tool: offered
                    path-prefix: /tools/offered/
                    backend: http://127.0.0.1:%6$d/offered/
                    dpop-nonce: offered
                policy:
                  rules:
                    - id: ops-read
                      principals: {class: authenticated}
                      tool: ops
                      methods: [GET]
                      paths: ["queues"]
                      scope: ops.read
                    - id: offered-read
                      principals: {class: authenticated}
                      tool: offered
                      methods: [GET]
                      paths: ["queues"]
                      scope: offered.read
                """.formatted(NONCE_SECRET, humans.issuer(), humans.publicJwks(), agents.issuer(),
                agents.publicJwks(), backend.port()));
        gateway = GatewayServer.start(ConfigLoader.load(configFile));
        agent = new AgentClient(gateway.publicOrigin());
    }

    @AfterAll
    void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void tokenEndpointRequiresNonce() throws Exception {
        Map<String, String> form = exchangeForm("ops", "ops.read");

        HttpResponse<String> challenged = agent.tokenRequest(form);

        assertThat(challenged.statusCode()).as("status; body %s", challenged.body()).isEqualTo(400);
        assertThat(JSON.readTree(challenged.body()).path("error").asText()).isEqualTo("use_dpop_nonce");
        String nonce = challenged.headers().firstValue("DPoP-Nonce").orElse("");
        assertThat(nonce).as("DPoP-Nonce").isNotEmpty();
        assertThat(challenged.headers().firstValue("Cache-Control")).hasValue("no-store");

        HttpResponse<String> issued = agent.tokenRequestWithNonce(form, nonce);

        assertThat(issued.statusCode()).as("status; body %s", issued.body()).isEqualTo(200);
        assertThat(JSON.readTree(issued.body()).path("access_token").asText()).isNotEmpty();
    }

    @Test
    void tokenEndpointOwnRejectionsCarryNonce() throws Exception {
        HttpResponse<String> wrongType = http.send(HttpRequest.newBuilder(tokenEndpoint())
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=x"))
                .build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> wrongMethod = http.send(HttpRequest.newBuilder(tokenEndpoint()).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(wrongType.statusCode()).as("status; body %s", wrongType.body()).isEqualTo(400);
        assertThat(JSON.readTree(wrongType.body()).path("error").asText()).isEqualTo("invalid_request");
        assertThat(wrongType.headers().firstValue("DPoP-Nonce")).as("DPoP-Nonce of 400").isPresent();
        assertThat(wrongType.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("DPoP-Nonce")).as("DPoP-Nonce of 405").isPresent();
        assertThat(wrongMethod.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void routeRequiresNonce() throws Exception {
        String token = capabilityToken("ops", "ops.read");
        int forwardedBefore = backend.received().size();

        HttpResponse<String> challenged = agent.call("GET", REQUIRED, token, Map.of());

        assertThat(challenged.statusCode()).as("status; body %s", challenged.body()).isEqualTo(401);
        String challenge = challenged.headers().firstValue("WWW-Authenticate").orElse("");
        assertThat(challenge).startsWith("DPoP ");
        assertThat(challenge).contains("error=\"use_dpop_nonce\"");
        String nonce = challenged.headers().firstValue("DPoP-Nonce").orElse("");
        assertThat(nonce).as("DPoP-Nonce").isNotEmpty();
        assertThat(challenged.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(backend.received().size()).as("forwarded without nonce").isEqualTo(forwardedBefore);

        HttpResponse<String> retried = callWithNonce(REQUIRED, token, nonce);

        assertThat(retried.statusCode()).as("status; body %s", retried.body()).isEqualTo(200);
        assertThat(backend.received().size()).as("forwarded with nonce").isEqualTo(forwardedBefore + 1);
    }

    @Test
    void forgedNonceRejected() throws Exception {
        String token = capabilityToken("ops", "ops.read");
        String forged = UUID.randomUUID().toString().replace("-", "");
        int forwardedBefore = backend.received().size();

        HttpResponse<String> response = callWithNonce(REQUIRED, token, forged);

        assertThat(response.statusCode()).as("status; body %s", response.body()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElse(""))
                .contains("error=\"use_dpop_nonce\"");
        String fresh = response.headers().firstValue("DPoP-Nonce").orElse("");
        assertThat(fresh).as("fresh DPoP-Nonce").isNotEmpty().isNotEqualTo(forged);
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(backend.received().size()).isEqualTo(forwardedBefore);
    }

    @Test
    void nonceOfOtherSecretRejected() throws Exception {
        String token = capabilityToken("ops", "ops.read");
        String foreign = nonceFromGatewayWithOtherSecret();
        int forwardedBefore = backend.received().size();

        HttpResponse<String> response = callWithNonce(REQUIRED, token, foreign);

        assertThat(response.statusCode()).as("status; body %s", response.body()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElse(""))
                .contains("error=\"use_dpop_nonce\"");
        assertThat(response.headers().firstValue("DPoP-Nonce").orElse("")).isNotEmpty().isNotEqualTo(foreign);
        assertThat(backend.received().size()).isEqualTo(forwardedBefore);
    }

    @Test
    void offeredRouteAcceptsCallWithoutNonce() throws Exception {
        String token = capabilityToken("offered", "offered.read");
        int forwardedBefore = backend.received().size();

        HttpResponse<String> response = agent.call("GET", OFFERED, token, Map.of());

        assertThat(response.statusCode()).as("status; body %s", response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("DPoP-Nonce")).as("DPoP-Nonce").isPresent();
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(backend.received().size()).isEqualTo(forwardedBefore + 1);
    }

    @Test
    void anonymousChallengeCarriesNonce() throws Exception {
        HttpResponse<String> response = agent.get(gateway.publicOrigin() + REQUIRED);

        assertThat(response.statusCode()).as("status; body %s", response.body()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("DPoP");
        assertThat(response.headers().firstValue("DPoP-Nonce")).as("DPoP-Nonce").isPresent();
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    private Map<String, String> exchangeForm(String tool, String scope) throws Exception {
        return AgentClient.exchangeForm(humans.idToken("alice", List.of("sre"), List.of("pwd")),
                agents.idToken("agent-7", List.of(), List.of()), tool, scope);
    }

    /** Exchanges tokens for a capability token, retrying once with the nonce the token endpoint sends. */
    private String capabilityToken(String tool, String scope) throws Exception {
        Map<String, String> form = exchangeForm(tool, scope);
        HttpResponse<String> challenged = agent.tokenRequest(form);
        String nonce = challenged.headers().firstValue("DPoP-Nonce").orElseThrow(() -> new AssertionError(
                "token endpoint sent no DPoP-Nonce: " + challenged.statusCode() + " " + challenged.body()));
        HttpResponse<String> issued = agent.tokenRequestWithNonce(form, nonce);
        assertThat(issued.statusCode()).as("token exchange; body %s", issued.body()).isEqualTo(200);
        return JSON.readTree(issued.body()).path("access_token").asText();
    }

    private HttpResponse<String> callWithNonce(String path, String token, String nonce) throws Exception {
        return agent.send("GET", path, Map.of("Authorization", "DPoP " + token, "DPoP",
                agent.proofWithNonce("GET", path, token, nonce)), Map.of());
    }

    /** Starts a second gateway with another nonce secret and returns a nonce it sends at its token endpoint. */
    private String nonceFromGatewayWithOtherSecret() throws Exception {
        Path other = Files.createDirectories(directory.resolve("other"));
        Path configFile = Files.writeString(other.resolve("gateway.yaml"), """
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                signing-key:
                  path: data/signing-key.jwk
                audit:
                  directory: data/audit
                tokens:
                  dpop-nonce:
                    token-endpoint: required
                    secrets: ["another-nonce-secret-for-the-end-to-end-test-987"]
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:%d/api/
                """.formatted(backend.port()));
        try (GatewayServer otherGateway = GatewayServer.start(ConfigLoader.load(configFile))) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create(otherGateway.publicOrigin() + "/oauth2/token")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.headers().firstValue("DPoP-Nonce").orElseThrow(() -> new AssertionError(
                    "the other gateway sent no DPoP-Nonce: " + response.statusCode()));
        }
    }

    private URI tokenEndpoint() {
        return URI.create(gateway.publicOrigin() + "/oauth2/token");
    }
}
