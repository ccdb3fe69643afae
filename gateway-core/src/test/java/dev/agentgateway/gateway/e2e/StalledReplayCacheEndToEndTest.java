package dev.agentgateway.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.gateway.GatewayServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
 * The test stops the Redis process with SIGSTOP, so the TCP connection stays open and commands time out.
 */
@Timeout(120)
class StalledReplayCacheEndToEndTest {

    /** More stalled calls than Netty's default of two event loops per core has loops, up to 32 cores. */
    private static final int STALLED_CALLS = 64;
    private static final int UNRELATED_REQUESTS = 8;

    @TempDir
    Path directory;

    private Process redis;
    private GatewayServer gateway;
    private RecordingBackend backend;

    @AfterEach
    void stop() throws Exception {
        if (redis != null) {
            signal("CONT");
            redis.destroy();
            redis.waitFor(10, TimeUnit.SECONDS);
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
        int redisPort = freePort();
        redis = new ProcessBuilder("redis-server", "--port", Integer.toString(redisPort), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no")
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("redis.log").toFile())
                .start();
        awaitRedis(redisPort);
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
                    uri: redis://127.0.0.1:%d/0
                    command-timeout: 10s
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
                """.formatted(redisPort, humans.issuer(), humans.publicJwks(), backend.port()));
        gateway = GatewayServer.start(ConfigLoader.load(config));
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
            // NOTE: the bound is half the command timeout, so a request served only after the stalled replay checks
            // time out counts as stalled.
            CompletableFuture.allOf(unrelated.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
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

    private void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(redis.pid())).inheritIO().start().waitFor();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitRedis(int port) throws InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                OutputStream out = socket.getOutputStream();
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                byte[] reply = in.readNBytes(7);
                if (new String(reply, StandardCharsets.US_ASCII).startsWith("+PONG")) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(Duration.ofMillis(100).toMillis());
        }
        throw new IllegalStateException("redis-server did not start on port " + port);
    }
}
