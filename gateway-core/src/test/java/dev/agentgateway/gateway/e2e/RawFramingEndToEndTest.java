package dev.agentgateway.gateway.e2e;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.gateway.GatewayServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Message framing between agent, gateway and backend over real loopback sockets, with a backend that records the
 * raw bytes it receives and frames requests itself, so anything the gateway forwards beyond a request's framing
 * shows up as a second request.
 */
@Timeout(60)
class RawFramingEndToEndTest {

    /** A second request of exactly 75 bytes, sent as the body of the first. */
    private static final String DRAIN = "POST /nodes/n9/drain HTTP/1.1\r\nHost: ops.example.com\r\n"
            + "Content-Length: 0\r\n\r\n";

    @TempDir
    Path directory;

    private RawBackend backend;
    private GatewayServer gateway;
    private boolean gatewayClosed;

    @BeforeEach
    void startGateway() throws Exception {
        backend = RawBackend.start();
        TestIdentityProvider humans = new TestIdentityProvider("https://idp.example.test");
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
                    algorithms: [ES256]
                    jwks:
                      inline: '%s'
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:%d/api/
                    connect-timeout: 1s
                    response-timeout: 2s
                policy:
                  operator:
                    groups: [oncall]
                    required-amr: [hwk]
                  rules:
                    - id: ops-health
                      principals: {class: anonymous}
                      tool: ops
                      methods: [GET]
                      paths: ["health"]
                    - id: ops-upload
                      principals: {class: anonymous}
                      tool: ops
                      methods: [POST]
                      paths: ["uploads"]
                    - id: ops-drain
                      principals: {class: operator}
                      tool: ops
                      methods: [POST]
                      paths: ["nodes/*/drain"]
                """.formatted(humans.issuer(), humans.publicJwks(), backend.port()));
        gateway = GatewayServer.start(ConfigLoader.load(configFile));
    }

    @AfterEach
    void stop() throws IOException {
        if (gateway != null) {
            closeGateway();
        }
        backend.close();
    }

    @Test
    void connectionListingContentLengthNotSmuggled() throws Exception {
        assertThat(DRAIN).hasSize(75);
        String response = rawExchange("GET /tools/ops/health HTTP/1.1\r\nHost: x\r\n"
                + "Connection: keep-alive, Content-Length\r\nContent-Length: 75\r\n\r\n" + DRAIN);

        assertThat(response).startsWith("HTTP/1.1 400 ");
        assertThat(response).containsIgnoringCase("connection: close");
        assertThat(statusLines(response)).as("status lines in %s", response).isEqualTo(1);
        closeGateway();
        assertThat(backend.requestHeads()).as("requests the backend read").hasSizeLessThanOrEqualTo(1);
        assertThat(backend.allBytes()).doesNotContain("drain");
        assertThat(auditedPaths()).doesNotContain("/tools/ops/nodes/n9/drain");
    }

    static Stream<Arguments> rejectedFirstRequests() {
        return Stream.of(
                arguments("Connection lists Content-Length", "POST /tools/ops/health HTTP/1.1\r\nHost: a\r\n"
                        + "Connection: Content-Length\r\nContent-Length: 0\r\n\r\n", 400),
                arguments("Host missing", "POST /tools/ops/health HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400),
                arguments("Expect unknown", "POST /tools/ops/health HTTP/1.1\r\nHost: a\r\nExpect: foo\r\n"
                        + "Content-Length: 0\r\n\r\n", 417),
                arguments("HTTP/1.2", "POST /tools/ops/health HTTP/1.2\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
                        505));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejectedFirstRequests")
    void requestAfterRejectionNeverDecided(String name, String rejected, int status) throws Exception {
        String response = rawExchange(rejected + "GET /tools/ops/health?second HTTP/1.1\r\nHost: a\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 " + status + " ");
        assertThat(response).containsIgnoringCase("connection: close");
        assertThat(statusLines(response)).as("status lines in %s", response).isEqualTo(1);
        closeGateway();
        assertThat(backend.requestHeads()).isEmpty();
        assertThat(records(AuditEventType.DECISION)).isEmpty();
        assertThat(records(AuditEventType.OUTCOME)).isEmpty();
    }

    @Test
    void lowerCaseVersionGets400AndClose() throws Exception {
        String response = rawExchange("GET /tools/ops/health http/1.1\r\nHost: x\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 400 ");
        assertThat(response).containsIgnoringCase("connection: close");
        assertThat(backend.requestHeads()).isEmpty();
    }

    @Test
    void forwardedBodyKeepsItsFraming() throws Exception {
        String body = "{\"n\":1}\r\nPOST /nodes/n9/drain HTTP/1.1\r\n";

        String response = rawExchange("POST /tools/ops/uploads HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);

        assertThat(response).startsWith("HTTP/1.1 200 ");
        assertThat(response).endsWith("ok");
        closeGateway();
        List<String> heads = backend.requestHeads();
        assertThat(heads).hasSize(1);
        assertThat(heads.get(0)).startsWith("POST /api/uploads HTTP/1.1\r\n");
        assertThat(Pattern.compile("(?im)^content-length: " + body.length() + "$").matcher(heads.get(0)).results()
                .count()).isEqualTo(1);
        assertThat(heads.get(0)).doesNotContainIgnoringCase("transfer-encoding");
        assertThat(backend.allBytes()).endsWith("\r\n\r\n" + body);
    }

    @Test
    void chunkedBodyStaysChunked() throws Exception {
        String response = rawExchange("POST /tools/ops/uploads HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 200 ");
        closeGateway();
        List<String> heads = backend.requestHeads();
        assertThat(heads).hasSize(1);
        assertThat(heads.get(0)).containsIgnoringCase("transfer-encoding: chunked");
        assertThat(heads.get(0)).doesNotContainIgnoringCase("content-length");
        assertThat(backend.allBytes()).contains("hello").contains(" world");
    }

    @Test
    void ownedFieldSpellingsAndRoutingOverridesDropped() throws Exception {
        String response = rawExchange("GET /tools/ops/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "x_forwarded_for: 203.0.113.9\r\nX_Forwarded_Host: evil.example\r\ntxn_token: forged\r\n"
                + "X-Request_Id: forged\r\nX-Original-URL: /nodes/n9/drain\r\nX-Rewrite-URL: /nodes/n9/drain\r\n"
                + "X-Real-IP: 10.0.0.1\r\nx_real_ip: 10.0.0.2\r\nVia: 1.1 evil\r\nX-HTTP-Method-Override: POST\r\n"
                + "X-Tool-Hint: kept\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 200 ");
        closeGateway();
        String head = backend.requestHeads().get(0);
        for (String field : List.of("x_forwarded_for", "X_Forwarded_Host", "txn_token", "X-Request_Id",
                "X-Original-URL", "X-Rewrite-URL", "X-Real-IP", "x_real_ip", "Via", "X-HTTP-Method-Override")) {
            assertThat(head).as(field).doesNotContainIgnoringCase("\r\n" + field + ":");
        }
        assertThat(head).doesNotContain("forged").doesNotContain("evil").doesNotContain("10.0.0.");
        assertThat(head).containsIgnoringCase("\r\nx-forwarded-for: 127.0.0.1");
        assertThat(Pattern.compile("(?im)^txn-token: ").matcher(head).results().count()).isEqualTo(1);
        assertThat(head).contains("\r\nX-Tool-Hint: kept");
    }

    @Test
    void identityAndRoutingAssertionsDropped() throws Exception {
        List<String> fields = List.of("X-Original-Host", "X-Original-Method", "X-Original-URI",
                "X-Envoy-Original-Path", "X-Envoy-Internal", "x_envoy_external_address", "X-ProxyUser-Ip",
                "Remote-User", "X-Remote-User", "X-Remote-Addr", "X-Remote-Group", "X-Authenticated-User",
                "X-Authenticated-Userid", "X-Auth-Request-User", "X-Auth-Request-Email",
                "X-Auth-Request-Preferred-Username", "X-Forwarded-User", "X-Forwarded-Email", "X-Originating-IP",
                "X-User");
        StringBuilder request = new StringBuilder("GET /tools/ops/health HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\nX-Tool-Hint: kept\r\n");
        for (String field : fields) {
            request.append(field).append(": forged-").append(field.length()).append("\r\n");
        }

        String response = rawExchange(request.append("\r\n").toString());

        assertThat(response).startsWith("HTTP/1.1 200 ");
        closeGateway();
        String head = backend.requestHeads().get(0);
        for (String field : fields) {
            assertThat(head).as(field).doesNotContainIgnoringCase("\r\n" + field + ":");
        }
        assertThat(head).doesNotContain("forged");
        assertThat(head).contains("\r\nX-Tool-Hint: kept");
    }

    @Test
    void connectionListingIdentityFieldRejected() throws Exception {
        String response = rawExchange("GET /tools/ops/health HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close, X-Remote-User\r\nX-Remote-User: admin\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 400 ");
        closeGateway();
        assertThat(backend.requestHeads()).isEmpty();
    }

    @Test
    void malformedChunkAfterForwardingAudited() throws Exception {
        String response = rawExchange("POST /tools/ops/uploads HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 400 ");
        assertThat(statusLines(response)).as("status lines in %s", response).isEqualTo(1);
        String requestId = header(response, "X-Request-Id");
        closeGateway();
        assertThat(backend.allBytes()).doesNotContain("abc");
        List<AuditRecord> outcomes = records(AuditEventType.OUTCOME).stream()
                .filter(record -> record.event().requestId().equals(requestId)).toList();
        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.get(0).event().status()).isEqualTo(400);
        assertThat(outcomes.get(0).event().reason()).startsWith("malformed request body");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Transfer-Encoding: gzip, chunked", "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked",
            "Transfer-Encoding: deflate,chunked"})
    void backendTransferCodingGets502(String fields) throws Exception {
        backend.respondWith("HTTP/1.1 200 OK\r\n" + fields + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

        String response = rawExchange("GET /tools/ops/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 502 ");
        assertThat(response).containsIgnoringCase("content-type: application/problem+json");
        assertThat(response).doesNotContain("hello");
        String requestId = header(response, "X-Request-Id");
        closeGateway();
        AuditRecord outcome = records(AuditEventType.OUTCOME).stream()
                .filter(record -> record.event().requestId().equals(requestId)).findFirst().orElseThrow();
        assertThat(outcome.event().status()).isEqualTo(502);
        assertThat(outcome.event().reason()).contains("Transfer-Encoding");
    }

    @Test
    void backendChunkedResponseRelayed() throws Exception {
        backend.respondWith("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

        String response = rawExchange("GET /tools/ops/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 200 ");
        assertThat(response).contains("hello");
    }

    @Test
    void backendConnectionListingContentLengthGets502() throws Exception {
        backend.respondWith("HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 40\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

        String response = rawExchange("GET /tools/ops/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 502 ");
        assertThat(statusLines(response)).as("status lines in %s", response).isEqualTo(1);
        String requestId = header(response, "X-Request-Id");
        closeGateway();
        AuditRecord outcome = records(AuditEventType.OUTCOME).stream()
                .filter(record -> record.event().requestId().equals(requestId)).findFirst().orElseThrow();
        assertThat(outcome.event().status()).isEqualTo(502);
        assertThat(outcome.event().reason()).contains("\"Content-Length\"");
    }

    private static long statusLines(String response) {
        return Pattern.compile("(?m)^HTTP/1\\.1 \\d{3} ").matcher(response).results().count();
    }

    private static String header(String response, String name) {
        return Pattern.compile("(?im)^" + name + ": ([^\r\n]*)").matcher(response).results().findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + response)).group(1);
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

    private List<String> auditedPaths() throws IOException {
        return records(AuditEventType.DECISION).stream().map(record -> record.event().path()).toList();
    }

    private List<AuditRecord> records(AuditEventType type) throws IOException {
        try (AuditRecords records = AuditRecords.open(gateway.auditDirectory())) {
            return records.stream().filter(record -> record.event().type() == type).toList();
        }
    }

    private void closeGateway() {
        if (!gatewayClosed) {
            gatewayClosed = true;
            gateway.close();
        }
    }
}
