package dev.agentgateway.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.config.ReplayCacheConfig;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.gateway.GatewayServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Redis replay cache that stops replying must not stall requests that never use it. The replay check of a
 * proxied call waits up to {@code command-timeout} for Redis. While it waits on a Netty event loop, every other
 * connection served by that loop waits too, including {@code /.well-known/jwks.json}, which needs no replay check.
 * The test stops the Redis process with SIGSTOP, so the TCP connection stays open and commands wait for a reply
 * until SIGCONT.
 */
@Timeout(180)
class StalledReplayCacheEndToEndTest {

    /** More stalled calls than Netty's default of two event loops per core has loops, up to 32 cores. */
    private static final int STALLED_CALLS = 64;
    private static final int UNRELATED_REQUESTS = 8;
    /**
     * Replay-check timeout, far above the configuration's 10 s maximum, so the stalled calls wait for the whole
     * test. A gateway that blocked its event loops on them would then serve nothing else until Redis resumes,
     * however slow the machine, instead of only until the checks time out.
     */
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(10);
    /** Bound on serving the unrelated requests, reached only when the stalled calls block them. */
    private static final Duration UNRELATED_PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path directory;

    private RedisServer redis;
    private GatewayServer gateway;
    private RecordingBackend backend;

    @AfterEach
    void stop() throws Exception {
        if (redis != null) {
            signal("CONT");
            redis.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void stalledRedisLeavesOtherRequestsServed() throws Exception {
        redis = RedisServer.start(Files.createDirectories(directory.resolve("redis")));
        backend = RecordingBackend.start();
        TestIdentityProvider humans = new TestIdentityProvider("https://idp.example.test");
        Path config = Files.writeString(directory.resolve("gateway.yaml"), """
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                signing-key:
                  path: data/signing-key.jwk
                audit:
                  directory: data/audit
                tokens:
                  replay-cache:
                    type: redis
                    uri: %s/0
                trusted-issuers:
                  - issuer: %s
                    audiences: [agent-gateway]
                    jwks:
                      inline: '%s'
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
                """.formatted(redis.uri(), humans.issuer(), humans.publicJwks(), backend.port()));
        gateway = GatewayServer.start(withCommandTimeout(ConfigLoader.load(config), COMMAND_TIMEOUT));
        String origin = gateway.publicOrigin();
        AgentClient agent = new AgentClient(origin, new ECKeyGenerator(Curve.P_256).generate());
        String token = agent.capabilityToken(humans.idToken("alice", List.of(), List.of("pwd")),
                humans.idToken("agent-7", List.of(), List.of()), "ops", "ops.read");

        signal("STOP");
        HttpClient stalledClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<Void>>> stalled = new ArrayList<>();
        for (int i = 0; i < STALLED_CALLS; i++) {
            HttpRequest call = HttpRequest.newBuilder(URI.create(origin + "/tools/ops/queues"))
                    .header("Authorization", "DPoP " + token)
                    .header("DPoP", agent.proof("GET", "/tools/ops/queues", token))
                    .build();
            stalled.add(stalledClient.sendAsync(call, HttpResponse.BodyHandlers.discarding()));
        }

        List<CompletableFuture<HttpResponse<Void>>> unrelated = new ArrayList<>();
        for (int i = 0; i < UNRELATED_REQUESTS; i++) {
            HttpClient freshConnection = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            unrelated.add(freshConnection.sendAsync(
                    HttpRequest.newBuilder(URI.create(origin + "/.well-known/jwks.json")).build(),
                    HttpResponse.BodyHandlers.discarding()));
        }
        boolean servedWhileRedisStalled;
        try {
            CompletableFuture.allOf(unrelated.toArray(CompletableFuture[]::new))
                    .get(UNRELATED_PATIENCE.toSeconds(), TimeUnit.SECONDS);
            servedWhileRedisStalled = true;
        } catch (TimeoutException e) {
            servedWhileRedisStalled = false;
        }
        signal("CONT");
        for (CompletableFuture<HttpResponse<Void>> call : stalled) {
            call.get(60, TimeUnit.SECONDS);
        }

        assertThat(servedWhileRedisStalled)
                .as("jwks.json answered while %d DPoP calls wait for a stopped Redis", STALLED_CALLS)
                .isTrue();
    }

    /** Returns {@code config} with its Redis replay cache's command timeout set to {@code timeout}. */
    private static GatewayConfig withCommandTimeout(GatewayConfig config, Duration timeout) {
        ReplayCacheConfig.Redis redis = (ReplayCacheConfig.Redis) config.tokens().replayCache();
        TokenConfig tokens = config.tokens();
        TokenConfig stalling = new TokenConfig(tokens.capabilityLifetime(), tokens.proofMaxAge(), tokens.clockSkew(),
                tokens.txnTokenLifetime(), tokens.nonces(),
                new ReplayCacheConfig.Redis(redis.uri(), timeout, redis.keyPrefix()), tokens.verifiedTokenCacheSize());
        return new GatewayConfig(config.source(), config.agentListener(), config.adminListener(),
                config.publicOrigin(), config.routes(), config.trustedIssuers(), config.signingKey(), config.audit(),
                stalling, config.policy(), config.sampleTool(), config.admin());
    }

    private void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(redis.pid())).inheritIO().start().waitFor();
    }
}
