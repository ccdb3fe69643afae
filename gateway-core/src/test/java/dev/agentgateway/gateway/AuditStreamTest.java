package dev.agentgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditSigningKey;
import dev.agentgateway.audit.CommitObserver;
import dev.agentgateway.audit.FileAuditLog;
import dev.agentgateway.config.AdminConfig;
import dev.agentgateway.config.AdminCredential;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.gateway.internal.admin.AdminCredentials;
import dev.agentgateway.gateway.internal.admin.AuditStreams;
import dev.agentgateway.gateway.internal.http.HttpLimits;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /audit/stream} on the admin listener over real loopback sockets. */
@Timeout(60)
class AuditStreamTest {

    private static final String TOKEN = "siem-token-0123456789abcdefghijklmnopqrstuvwxyz";
    private static final String HOSTILE = "\u001b[2J\u001b]52;c;ZWNobyBwd25lZA==\u0007\r\u202eevil\n"
            + "{\"seq\":99,\"decision\":\"allow\"}";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T20:30:00.123Z"), ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<InputStream> openStreams = new ArrayList<>();
    private GatewayServer gateway;

    @BeforeEach
    void startGateway() throws Exception {
        Path auditDirectory = directory.resolve("audit");
        Path config = Files.writeString(directory.resolve("gateway.yaml"), """
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                audit:
                  directory: %s
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:9/
                """.formatted(auditDirectory));
        GatewayConfig loaded = ConfigLoader.load(config);
        // Written with the audit key the gateway loads, as an earlier run of it would have.
        AuditSigningKey key = AuditSigningKey.loadOrGenerate(loaded.audit().signingKey());
        try (FileAuditLog log = FileAuditLog.open(loaded.audit(), key, CLOCK, CommitObserver.NONE)) {
            log.append(decision("req-1", "alice (https://idp)", "ops", "allow"));
            log.append(decision("req-2", "bob (https://idp)", "db", "deny"));
            log.append(decision("req-3", HOSTILE, "ops", "deny"));
        }
        String digest = HexFormat.of().formatHex(AdminCredentials.sha256(TOKEN));
        GatewayConfig withAdmin = new GatewayConfig(loaded.source(), loaded.agentListener(), loaded.adminListener(),
                loaded.publicOrigin(), loaded.routes(), loaded.trustedIssuers(), loaded.signingKey(), loaded.audit(),
                loaded.tokens(), loaded.policy(), loaded.sampleTool(),
                new AdminConfig(List.of(new AdminCredential("siem", digest))));
        gateway = GatewayServer.start(withAdmin, HttpLimits.defaults(), Clock.systemUTC(),
                new AuditStreams.Settings(2, Duration.ofMillis(20), Duration.ofMillis(200)));
    }

    @AfterEach
    void stopGateway() throws IOException {
        for (InputStream stream : openStreams) {
            stream.close();
        }
        gateway.close();
    }

    private static AuditEvent decision(String requestId, String principal, String tool, String decision) {
        return AuditEvent.builder(AuditEventType.DECISION, requestId)
                .principal(principal)
                .tool(tool)
                .method("GET")
                .path("/tools/" + tool + "/status")
                .decision(decision)
                .build();
    }

    @Test
    void noExportGaugesWithoutKafka() throws Exception {
        HttpRequest metrics = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gateway.adminAddress().getPort() + "/metrics")).build();

        String scrape = http.send(metrics, HttpResponse.BodyHandlers.ofString()).body();

        assertThat(scrape).contains("gateway_audit_writable 1.0").doesNotContain("gateway_audit_export");
    }

    @Test
    void streamWithoutCredential() throws Exception {
        HttpResponse<String> response = http.send(request("").build(), HttpResponse.BodyHandlers.ofString());

        assertUnauthorized(response);
    }

    @Test
    void rejectedCredentialsCounted() throws Exception {
        http.send(request("").build(), HttpResponse.BodyHandlers.discarding());
        http.send(request("").header("Authorization", "Bearer wrong").build(), HttpResponse.BodyHandlers.discarding());
        HttpRequest metrics = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gateway.adminAddress().getPort() + "/metrics")).build();

        String scrape = http.send(metrics, HttpResponse.BodyHandlers.ofString()).body();

        assertThat(scrape).contains("gateway_admin_unauthorized_total{endpoint=\"/audit/stream\"} 2.0");
    }

    @Test
    void streamWithWrongCredential() throws Exception {
        HttpResponse<String> response = http.send(request("").header("Authorization", "Bearer " + TOKEN + "x")
                .build(), HttpResponse.BodyHandlers.ofString());

        assertUnauthorized(response);
    }

    @Test
    void streamWithDPoPScheme() throws Exception {
        HttpResponse<String> response = http.send(request("").header("Authorization", "DPoP " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());

        assertUnauthorized(response);
    }

    private static void assertUnauthorized(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer realm=\"agent-gateway-admin\"");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(response.body()).get("status").asInt()).isEqualTo(401);
    }

    @Test
    void streamSendsEveryRecord() throws Exception {
        BufferedReader events = open(authorized("").build());

        assertThat(nextEvent(events)).startsWith("id: 1\nevent: audit\ndata: {");
        assertThat(nextEvent(events)).startsWith("id: 2\n");
        assertThat(nextEvent(events)).startsWith("id: 3\n");
    }

    @Test
    void hostileValueArrivesEscaped() throws Exception {
        BufferedReader events = open(authorized("?after=2").build());

        String event = nextEvent(events);

        List<String> lines = event.lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("id: 3");
        String data = lines.get(2);
        assertThat(data).startsWith("data: ");
        assertThat(data.chars()).as(data).allMatch(c -> c >= 0x20 && c < 0x7f);
        JsonNode record = JSON.readTree(data.substring("data: ".length()));
        assertThat(record.get("principal").asText()).isEqualTo(HOSTILE);
        assertThat(record.get("seq").asLong()).isEqualTo(3);
    }

    @Test
    void filtersSelectRecords() throws Exception {
        BufferedReader denied = open(authorized("?decision=deny&tool=db").build());
        assertThat(nextEvent(denied)).startsWith("id: 2\n");

        BufferedReader alice = open(authorized("?principal=alice%20(https://idp)&since=2026-12-04T20:30:00Z")
                .build());
        assertThat(nextEvent(alice)).startsWith("id: 1\n");
        assertThat(nextEventOrKeepAlive(alice)).as("no further record matches").isEqualTo(": keep-alive");
    }

    @Test
    void sinceSkipsOlderRecords() throws Exception {
        BufferedReader events = open(authorized("?since=2026-12-04T20:30:00.124Z").build());

        assertThat(nextEventOrKeepAlive(events)).isEqualTo(": keep-alive");
    }

    @Test
    void invalidParametersRejected() throws Exception {
        for (String query : List.of("?verbose=1", "?decision=maybe", "?since=yesterday", "?after=-1", "?after=9007199254740992",
                "?tool=a&tool=b")) {
            HttpResponse<String> response = http.send(authorized(query).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).as(query).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).as(query)
                    .hasValue("application/problem+json");
        }
    }

    @Test
    void invalidSinceNamesParameter() throws Exception {
        HttpResponse<String> response = http.send(authorized("?since=yesterday").build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("since: \\\"yesterday\\\" is not an RFC 3339 date-time");
    }

    @Test
    void lastEventIdResumes() throws Exception {
        BufferedReader events = open(authorized("").header("Last-Event-ID", "2").build());

        assertThat(nextEvent(events)).startsWith("id: 3\n");
    }

    @Test
    void streamFollowsNewRecords() throws Exception {
        BufferedReader events = open(authorized("").header("Last-Event-ID", "3").build());
        assertThat(nextEventOrKeepAlive(events)).isEqualTo(": keep-alive");

        HttpRequest tokenGet = HttpRequest.newBuilder(URI.create(gateway.publicOrigin() + "/oauth2/token")).build();
        assertThat(http.send(tokenGet, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(405);

        String event = nextEvent(events);
        assertThat(event).startsWith("id: 4\n");
        assertThat(event).contains("\"type\":\"token_exchange\"");
    }

    @Test
    void stopEndsStreamCleanly() throws Exception {
        BufferedReader events = open(authorized("").header("Last-Event-ID", "2").build());
        assertThat(nextEvent(events)).startsWith("id: 3\n");

        gateway.close();

        // A cut-off chunked transfer makes the client's stream throw instead of ending.
        String line = events.readLine();
        while (line != null) {
            assertThat(line).as("only keep-alive comments follow").satisfiesAnyOf(
                    text -> assertThat(text).isEmpty(), text -> assertThat(text).isEqualTo(": keep-alive"));
            line = events.readLine();
        }
    }

    @Test
    void streamsAreBounded() throws Exception {
        open(authorized("").build());
        open(authorized("").build());

        HttpResponse<String> third = http.send(authorized("").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(third.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(third.body()).get("type").asText()).endsWith("/too_many_streams");
    }

    private HttpRequest.Builder request(String query) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort()
                + "/audit/stream" + query));
    }

    private HttpRequest.Builder authorized(String query) {
        return request(query).header("Authorization", "Bearer " + TOKEN);
    }

    private BufferedReader open(HttpRequest request) throws Exception {
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        openStreams.add(response.body());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
        return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    /** Returns the next event's lines joined by newlines, skipping keep-alive comments. */
    private static String nextEvent(BufferedReader events) throws IOException {
        String event;
        do {
            event = nextEventOrKeepAlive(events);
        } while (event.equals(": keep-alive"));
        return event;
    }

    /** Returns the next event or comment block, its lines joined by newlines. */
    private static String nextEventOrKeepAlive(BufferedReader events) throws IOException {
        StringBuilder event = new StringBuilder();
        for (String line = events.readLine(); line != null; line = events.readLine()) {
            if (line.isEmpty()) {
                return event.toString();
            }
            if (!event.isEmpty()) {
                event.append('\n');
            }
            event.append(line);
        }
        throw new IOException("stream ended after: " + event);
    }
}
