package dev.agentgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.AuditKafkaConfig;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * The gateway with the Kafka export configured against a loopback port where no broker listens: requests are
 * audited and served as usual, and the export's gauges show the lag.
 */
@Timeout(60)
class AuditExportTest {

    /** Client settings that make an unreachable broker fail fast, so closing the gateway does not wait long. */
    private static final Map<String, String> FAST_FAILURE = Map.of(
            "request.timeout.ms", "800",
            "delivery.timeout.ms", "1500",
            "max.block.ms", "2000",
            "reconnect.backoff.ms", "50",
            "reconnect.backoff.max.ms", "200",
            "socket.connection.setup.timeout.ms", "500",
            "socket.connection.setup.timeout.max.ms", "1000");

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newHttpClient();
    /**
     * A socket bound to the broker port but not listening, so connections to it are refused. While it is open the
     * system assigns the port to no socket that requests an ephemeral port, unlike a port closed before use.
     */
    private Socket closedPort;
    private GatewayServer gateway;

    @BeforeEach
    void startGateway() throws Exception {
        closedPort = new Socket();
        closedPort.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Path configFile = Files.writeString(directory.resolve("gateway.yaml"), """
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                audit:
                  directory: %s
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:9/
                """.formatted(directory.resolve("audit")));
        GatewayConfig loaded = ConfigLoader.load(configFile);
        AuditConfig audit = loaded.audit();
        AuditKafkaConfig kafka = new AuditKafkaConfig(List.of("127.0.0.1:" + closedPort.getLocalPort()),
                "agent-gateway-audit", FAST_FAILURE);
        AuditConfig withExport = new AuditConfig(audit.directory(), audit.segmentMaxBytes(), audit.segmentMaxAge(),
                audit.checkpointEveryRecords(), audit.checkpointInterval(), audit.signingKey(),
                audit.maxPendingRecords(), kafka);
        gateway = GatewayServer.start(new GatewayConfig(loaded.source(), loaded.agentListener(),
                loaded.adminListener(), loaded.publicOrigin(), loaded.routes(), loaded.trustedIssuers(),
                loaded.signingKey(), withExport, loaded.tokens(), loaded.policy(), loaded.sampleTool(),
                loaded.admin()));
    }

    @AfterEach
    void stopGateway() throws IOException {
        if (gateway != null) {
            gateway.close();
        }
        closedPort.close();
    }

    @Test
    void unreachableKafkaLeavesRequestsAlone() throws Exception {
        assertThat(get(gateway.publicOrigin() + "/oauth2/token").statusCode()).isEqualTo(405);
        assertThat(get(gateway.publicOrigin() + "/oauth2/token").statusCode()).isEqualTo(405);

        String metrics = get(admin() + "/metrics").body();

        assertThat(metrics).contains("gateway_audit_export_lag_records 2.0")
                .contains("gateway_audit_export_acknowledged_sequence 0.0")
                .contains("gateway_audit_export_connected 0.0");
        assertThat(get(admin() + "/health/ready").statusCode()).isEqualTo(200);
    }

    private String admin() {
        return "http://127.0.0.1:" + gateway.adminAddress().getPort();
    }

    private HttpResponse<String> get(String url) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
