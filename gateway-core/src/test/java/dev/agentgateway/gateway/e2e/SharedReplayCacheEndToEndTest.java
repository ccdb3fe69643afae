package dev.agentgateway.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.gateway.CapturedLogs;
import dev.agentgateway.gateway.GatewayServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway replicas behind one public origin, sharing a {@code redis-server} that the test starts on a loopback
 * port. The replicas have the same configuration apart from their listener ports and audit directories: the same
 * signing key file, nonce secret and replay cache. The agent builds every proof for the public origin and sends it
 * to one replica or the other, as a load balancer would.
 */
@Timeout(90)
class SharedReplayCacheEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUEUES = "/tools/ops/queues";
    /**
     * Bound on noticing an outage, which the failed replay check has already recorded. Like the next bound, it is
     * reached only when readiness is wrong, so it leaves a loaded machine plenty of time.
     */
    private static final Duration OUTAGE_TIMEOUT = Duration.ofSeconds(30);
    /** Bound on recovering, which waits for a reconnect (at most 1 s apart) and a PING (every 500 ms). */
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    private RedisServer redis;
    private RecordingBackend backend;
    private TestIdentityProvider humans;
    private TestIdentityProvider agents;
    private GatewayServer replicaA;
    private GatewayServer replicaB;
    private AgentClient agentAtA;
    private AgentClient agentAtB;

    @BeforeEach
    void startReplicas() throws Exception {
        redis = RedisServer.start(Files.createDirectories(directory.resolve("redis")));
        backend = RecordingBackend.start();
        humans = new TestIdentityProvider("https://idp.example.test");
        agents = new TestIdentityProvider("https://agents.example.test");
        // Replica A derives the origin from the port it was given, and replica B shares it.
        replicaA = GatewayServer.start(ConfigLoader.load(Files.writeString(directory.resolve("replica-a.yaml"),
                configYaml(null, "a"))));
        String origin = replicaA.publicOrigin();
        replicaB = GatewayServer.start(ConfigLoader.load(Files.writeString(directory.resolve("replica-b.yaml"),
                configYaml(origin, "b"))));
        ECKey agentKey = new ECKeyGenerator(Curve.P_256).generate();
        agentAtA = new AgentClient(origin, baseUrl(replicaA), agentKey);
        agentAtB = new AgentClient(origin, baseUrl(replicaB), agentKey);
    }

    @AfterEach
    void stopReplicas() throws Exception {
        if (replicaA != null) {
            replicaA.close();
        }
        if (replicaB != null) {
            replicaB.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** Returns a replica's configuration; without {@code origin}, the replica derives it from its agent port. */
    private String configYaml(String origin, String replica) {
        String publicOrigin = origin == null ? "" : "public-origin: " + origin + "\n";
        return publicOrigin + """
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                signing-key:
                  path: data/signing-key.jwk
                audit:
                  directory: data/audit-%s
                tokens:
                  replay-cache:
                    type: redis
                    uri: %s
                    command-timeout: 500ms
                  dpop-nonce:
                    secrets: ["nonce-secret-shared-by-both-replicas-0123456789"]
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
                    backend: http://127.0.0.1:%d/api/
                    dpop-nonce: required
                policy:
                  rules:
                    - id: ops-read
                      principals: {class: authenticated}
                      tool: ops
                      methods: [GET]
                      paths: ["queues"]
                      scope: ops.read
                """.formatted(replica, redis.uri(), humans.issuer(), humans.publicJwks(),
                agents.issuer(), agents.publicJwks(), backend.port());
    }

    @Test
    void proofReplayedAtOtherReplicaRejected() throws Exception {
        String token = capabilityToken();
        String nonce = nonceFrom(agentAtA, token);
        Map<String, String> credentials = Map.of("Authorization", "DPoP " + token, "DPoP",
                agentAtA.proofWithNonce("GET", QUEUES, token, nonce));
        int forwardedBefore = backend.received().size();

        HttpResponse<String> accepted = agentAtA.send("GET", QUEUES, credentials, Map.of());
        HttpResponse<String> replayed = agentAtB.send("GET", QUEUES, credentials, Map.of());

        assertThat(accepted.statusCode()).as("replica A; body %s", accepted.body()).isEqualTo(200);
        assertThat(replayed.statusCode()).as("replica B; body %s", replayed.body()).isEqualTo(401);
        assertThat(replayed.headers().firstValue("WWW-Authenticate").orElse(""))
                .contains("error=\"invalid_dpop_proof\"");
        assertThat(JSON.readTree(replayed.body()).path("error").asText()).isEqualTo("invalid_dpop_proof");
        assertThat(backend.received().size()).as("requests forwarded").isEqualTo(forwardedBefore + 1);
    }

    @Test
    void nonceOfOneReplicaAcceptedByOther() throws Exception {
        String token = capabilityToken();
        String nonce = nonceFrom(agentAtA, token);
        int forwardedBefore = backend.received().size();

        HttpResponse<String> response = agentAtB.send("GET", QUEUES, Map.of("Authorization", "DPoP " + token,
                "DPoP", agentAtB.proofWithNonce("GET", QUEUES, token, nonce)), Map.of());

        assertThat(response.statusCode()).as("replica B; body %s", response.body()).isEqualTo(200);
        assertThat(backend.received().size()).isEqualTo(forwardedBefore + 1);
    }

    @Test
    void redisOutageFailsClosedThenRecovers() throws Exception {
        // One replica only, so the outage is logged once in this JVM.
        replicaB.close();
        replicaB = null;
        String token = capabilityToken();
        String nonce = nonceFrom(agentAtA, token);
        String admin = "http://127.0.0.1:" + replicaA.adminAddress().getPort();
        int forwardedBefore = backend.received().size();

        try (CapturedLogs logs = CapturedLogs.everyLogger()) {
            redis.stop();
            HttpResponse<String> failed = callWithNonce(token, nonce);

            assertThat(failed.statusCode()).as("status; body %s", failed.body()).isEqualTo(503);
            assertThat(failed.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(failed.headers().firstValue("Retry-After")).isPresent();
            JsonNode body = JSON.readTree(failed.body());
            assertThat(body.path("status").asInt()).isEqualTo(503);
            assertThat(body.path("error").asText()).isEqualTo("temporarily_unavailable");
            assertThat(backend.received().size()).as("forwarded during the outage").isEqualTo(forwardedBefore);
            assertThat(agentAtA.get(admin + "/metrics").body())
                    .contains("gateway_replay_cache_unavailable_total{route=\"ops\"} 1.0");
            assertThat(awaitReadiness(admin, 503, OUTAGE_TIMEOUT)).as("readiness during the outage")
                    .isEqualTo(503);

            redis.start();

            assertThat(awaitReadiness(admin, 200, RECOVERY_TIMEOUT)).as("readiness after Redis is back")
                    .isEqualTo(200);
            HttpResponse<String> recovered = callWithNonce(token, nonce);
            assertThat(recovered.statusCode()).as("status; body %s", recovered.body()).isEqualTo(200);
            assertThat(backend.received().size()).isEqualTo(forwardedBefore + 1);
            assertThat(logs.messages(Level.ERROR)).as("ERROR lines of one outage").hasSize(1);
            assertThat(logs.messages(Level.ERROR).get(0)).contains("DPoP replay cache");
        }
    }

    private String capabilityToken() throws Exception {
        return agentAtA.capabilityToken(humans.idToken("alice", List.of("sre"), List.of("pwd")),
                agents.idToken("agent-7", List.of(), List.of()), "ops", "ops.read");
    }

    /** Sends a call without a nonce to the agent's replica and returns the nonce of its 401 challenge. */
    private static String nonceFrom(AgentClient agent, String token) throws Exception {
        HttpResponse<String> challenged = agent.call("GET", QUEUES, token, Map.of());
        assertThat(challenged.statusCode()).as("call without nonce; body %s", challenged.body()).isEqualTo(401);
        return challenged.headers().firstValue("DPoP-Nonce").orElseThrow(() -> new AssertionError(
                "401 without DPoP-Nonce: " + challenged.headers().map()));
    }

    private HttpResponse<String> callWithNonce(String token, String nonce) throws Exception {
        return agentAtA.send("GET", QUEUES, Map.of("Authorization", "DPoP " + token, "DPoP",
                agentAtA.proofWithNonce("GET", QUEUES, token, nonce)), Map.of());
    }

    /** Polls {@code /health/ready} until it returns {@code expected} or {@code timeout} passes; returns the last. */
    private int awaitReadiness(String admin, int expected, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        int status = agentAtA.get(admin + "/health/ready").statusCode();
        while (status != expected && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
            status = agentAtA.get(admin + "/health/ready").statusCode();
        }
        return status;
    }

    private static String baseUrl(GatewayServer replica) {
        return "http://127.0.0.1:" + replica.agentAddress().getPort();
    }
}
