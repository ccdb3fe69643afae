package dev.agentgateway.gateway;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.gateway.internal.http.HttpLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request body deadlines over real sockets, shortened to a few seconds or less. The client sends a head that
 * announces a longer body than it sends, so only the deadline can end the request: the idle timeout stays at its
 * default and would not fire while a request is in progress.
 */
@Timeout(30)
class SlowBodyTest {

    /**
     * Deadline of a proxied body. It runs from the end of the head, so it must outlast the decision record's fsync
     * and the upstream connect. Only then has the partial body been forwarded when it fires, so the test can assert
     * that the upstream request was aborted. A deadline that fires first (1 ms does) ends the call before the backend
     * receives a byte.
     */
    // NOTE: the deadline runs on the event loop's real-time scheduler, which the test cannot control, so forwarding
    // slower than this bound still fails the test.
    private static final Duration PROXIED_BODY_TIMEOUT = Duration.ofSeconds(5);
    /** Deadline of a body at the token endpoint, which receives the body without waiting for anything first. */
    private static final Duration ENDPOINT_BODY_TIMEOUT = Duration.ofMillis(300);

    @TempDir
    Path directory;

    private ServerSocket backend;
    private final CompletableFuture<String> backendReceived = new CompletableFuture<>();
    private GatewayServer gateway;
    private boolean gatewayClosed;

    @BeforeEach
    void start() throws Exception {
        backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread recorder = new Thread(this::recordOneConnection, "slow-body-backend");
        recorder.setDaemon(true);
        recorder.start();
        Path config = Files.writeString(directory.resolve("gateway.yaml"), """
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                signing-key:
                  path: data/signing-key.jwk
                audit:
                  directory: data/audit
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:%d/
                    response-timeout: 20s
                policy:
                  rules:
                    - id: ops-upload
                      principals: {class: anonymous}
                      tool: ops
                      methods: [POST]
                      paths: ["uploads"]
                """.formatted(backend.getLocalPort()));
        HttpLimits limits = HttpLimits.defaults().withBodyTimeouts(PROXIED_BODY_TIMEOUT, ENDPOINT_BODY_TIMEOUT);
        gateway = GatewayServer.start(ConfigLoader.load(config), limits, Clock.systemUTC());
    }

    /** Reads one upstream connection until the gateway closes it, then completes with every byte received. */
    private void recordOneConnection() {
        try (Socket socket = backend.accept()) {
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(received);
            backendReceived.complete(received.toString(ISO_8859_1));
        } catch (IOException e) {
            backendReceived.completeExceptionally(e);
        }
    }

    @AfterEach
    void stop() throws IOException {
        closeGateway();
        backend.close();
    }

    @Test
    void proxiedBodyDeadlineGets408AndAbortsUpstream() throws Exception {
        String response = exchangeWithPartialBody("POST /tools/ops/uploads HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 100\r\n\r\n0123456789");

        assertThat(response).startsWith("HTTP/1.1 408 ");
        assertThat(response).containsIgnoringCase("connection: close");
        String upstream = backendReceived.get(10, TimeUnit.SECONDS);
        assertThat(upstream).startsWith("POST /uploads HTTP/1.1\r\n");
        assertThat(upstream).endsWith("0123456789");
        String requestId = requestId(response);
        closeGateway();
        AuditRecord outcome = onlyRecord(requestId, AuditEventType.OUTCOME);
        assertThat(outcome.event().status()).isEqualTo(408);
        assertThat(outcome.event().reason()).contains("request body did not arrive");
    }

    @Test
    void tokenEndpointBodyDeadlineGets408() throws Exception {
        String response = exchangeWithPartialBody("POST /oauth2/token HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=");

        assertThat(response).startsWith("HTTP/1.1 408 ");
        assertThat(response).containsIgnoringCase("connection: close");
        assertThat(response).contains("\"error\":\"invalid_request\"");
        String requestId = requestId(response);
        closeGateway();
        AuditRecord record = onlyRecord(requestId, AuditEventType.TOKEN_EXCHANGE);
        assertThat(record.event().decision()).isEqualTo("deny");
        assertThat(record.event().status()).isEqualTo(408);
    }

    /** Sends {@code request} and reads until the gateway closes the connection; the client never closes first. */
    private String exchangeWithPartialBody(String request) throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(ISO_8859_1));
            out.flush();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            in.transferTo(received);
            return received.toString(ISO_8859_1);
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(gateway.agentAddress().getAddress(), gateway.agentAddress().getPort());
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static String requestId(String response) {
        return Pattern.compile("(?im)^x-request-id: ([0-9a-f]+)").matcher(response).results().findFirst()
                .orElseThrow(() -> new AssertionError("no X-Request-Id in " + response)).group(1);
    }

    private AuditRecord onlyRecord(String requestId, AuditEventType type) throws IOException {
        try (AuditRecords records = AuditRecords.open(gateway.auditDirectory())) {
            List<AuditRecord> matching = records.stream()
                    .filter(record -> record.event().type() == type)
                    .filter(record -> record.event().requestId().equals(requestId))
                    .toList();
            assertThat(matching).as("%s records of request %s", type, requestId).hasSize(1);
            return matching.get(0);
        }
    }

    private void closeGateway() {
        if (!gatewayClosed && gateway != null) {
            gatewayClosed = true;
            gateway.close();
        }
    }
}
