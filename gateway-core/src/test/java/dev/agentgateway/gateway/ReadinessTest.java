package dev.agentgateway.gateway;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.audit.AuditRecords;
import dev.agentgateway.audit.AuditVerifier;
import dev.agentgateway.audit.VerificationResult;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.gateway.internal.http.HttpLimits;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /health/ready} over a real socket while audit appends really fail. The test lowers this JVM's file size
 * limit (RLIMIT_FSIZE) to the current size of the audit log, so the next write past it fails with EFBIG. A manual
 * clock decides when the gateway checks the log again, so no test waits for time to pass.
 */
@Timeout(60)
class ReadinessTest {

    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

    @TempDir
    Path directory;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T12:00:00Z"));
    private final HttpClient http = HttpClient.newHttpClient();
    private GatewayServer gateway;

    @BeforeEach
    void startGateway() throws Exception {
        Path config = Files.writeString(directory.resolve("gateway.yaml"), """
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:9/
                """);
        gateway = GatewayServer.start(ConfigLoader.load(config), HttpLimits.defaults(), clock);
    }

    @AfterEach
    void stopGateway() throws Exception {
        setFileSizeLimit("unlimited");
        gateway.close();
    }

    @Test
    void readyAgainWithoutTraffic() throws Exception {
        assertThat(tokenEndpointStatus()).as("an audited rejection").isEqualTo(405);
        setFileSizeLimit(Files.size(logFile()) + ":unlimited");
        assertThat(tokenEndpointStatus()).as("a rejection whose record cannot be written").isEqualTo(503);
        assertThat(readiness()).isEqualTo(503);

        clock.advance(CHECK_INTERVAL);
        assertThat(readiness()).as("the check fails while appends fail").isEqualTo(503);
        setFileSizeLimit("unlimited");
        assertThat(readiness()).as("within the check interval, the last outcome stands").isEqualTo(503);
        clock.advance(CHECK_INTERVAL);

        assertThat(readiness()).as("ready after a check, with no call in between").isEqualTo(200);
        gateway.close();
        try (AuditRecords records = AuditRecords.open(gateway.auditDirectory())) {
            assertThat(records.stream().count()).as("records; checks add none").isEqualTo(1);
        }
        VerificationResult verification = AuditVerifier.verify(gateway.auditDirectory());
        assertThat(verification.valid()).as(String.valueOf(verification.problem())).isTrue();
    }

    @Test
    void notReadyWhenLogFailsWithoutTraffic() throws Exception {
        assertThat(tokenEndpointStatus()).isEqualTo(405);
        assertThat(readiness()).isEqualTo(200);
        setFileSizeLimit(Files.size(logFile()) + ":unlimited");

        clock.advance(CHECK_INTERVAL);

        assertThat(readiness()).as("a check notices the failure before any append does").isEqualTo(503);
        setFileSizeLimit("unlimited");
        clock.advance(CHECK_INTERVAL);
        assertThat(readiness()).isEqualTo(200);
        assertThat(tokenEndpointStatus()).isEqualTo(405);
    }

    @Test
    void notReadyWhileAuditDirectoryMoved() throws Exception {
        assertThat(tokenEndpointStatus()).isEqualTo(405);
        Path auditDirectory = gateway.auditDirectory();
        Path moved = directory.resolve("moved-audit");
        Files.move(auditDirectory, moved);

        assertThat(tokenEndpointStatus()).as("a rejection whose log was moved away").isEqualTo(503);
        clock.advance(CHECK_INTERVAL);
        assertThat(readiness()).isEqualTo(503);
        assertThat(auditDirectory).as("no new log started in its place").doesNotExist();

        Files.move(moved, auditDirectory);
        clock.advance(CHECK_INTERVAL);
        assertThat(readiness()).as("ready once the directory is back").isEqualTo(200);
        assertThat(tokenEndpointStatus()).isEqualTo(405);
    }

    private Path logFile() throws IOException {
        return AuditSegments.newest(gateway.auditDirectory());
    }

    /** Sends GET to the token endpoint, which appends a rejection record before it responds. */
    private int tokenEndpointStatus() throws IOException, InterruptedException {
        return get(gateway.publicOrigin() + "/oauth2/token");
    }

    private int readiness() throws IOException, InterruptedException {
        return get("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/health/ready");
    }

    private int get(String url) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void setFileSizeLimit(String limit) throws IOException, InterruptedException {
        Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(ProcessHandle.current().pid()),
                "--fsize=" + limit).redirectErrorStream(true).start();
        String output = new String(prlimit.getInputStream().readAllBytes(), ISO_8859_1);
        assertThat(prlimit.waitFor()).as("prlimit --fsize=%s: %s", limit, output).isZero();
    }

    /** A clock that moves only when the test advances it. */
    private static final class ManualClock extends Clock {
        private final AtomicReference<Instant> now;
        private final ZoneId zone;

        ManualClock(Instant start) {
            this(new AtomicReference<>(start), ZoneOffset.UTC);
        }

        private ManualClock(AtomicReference<Instant> now, ZoneId zone) {
            this.now = now;
            this.zone = zone;
        }

        void advance(Duration duration) {
            now.updateAndGet(instant -> instant.plus(duration));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId other) {
            return new ManualClock(now, other);
        }
    }
}
