package dev.agentgateway.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditPublicKey;
import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import dev.agentgateway.audit.AuditVerifier;
import dev.agentgateway.audit.VerificationResult;
import dev.agentgateway.gateway.cli.AgentGatewayCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway in a child JVM, killed with SIGKILL while agents call a tool through it, then restarted on the same
 * audit directory. A call reaches the backend only after its decision record is durable, so every Txn-Token
 * {@code txn} the backend received must name a decision record in the recovered log, and the log must verify.
 *
 * <p>NOTE: SIGKILL ends the process but keeps the kernel's page cache, so this test checks that records are written
 * before calls are forwarded and that recovery keeps every written record. It cannot show that the writer fsyncs
 * before forwarding; only a power cut or a file system that drops unsynced data shows that.
 */
@Timeout(60)
class AuditCrashRecoveryTest {

    /** Calls the backend must have received before the kill, so the kill lands in the middle of real traffic. */
    private static final int FORWARDED_BEFORE_KILL = 100;
    private static final int CLIENTS = 6;
    private static final int CALLS_AFTER_RESTART = 5;
    /** Exit value of a process ended by SIGKILL: 128 + signal number 9. */
    private static final int SIGKILL_EXIT = 137;
    private static final String QUEUES = "/tools/ops/queues";

    @TempDir
    Path directory;

    @Test
    void killedGatewayRecoversVerifiableLog() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "needs SIGKILL and its exit value 137");
        TestIdentityProvider humans = new TestIdentityProvider("https://idp.example.test");
        TestIdentityProvider agents = new TestIdentityProvider("https://agents.example.test");
        try (TxnRecordingBackend backend = TxnRecordingBackend.start(FORWARDED_BEFORE_KILL)) {
            Path config = Files.writeString(directory.resolve("gateway.yaml"),
                    configYaml(humans, agents, backend.port()));

            try (GatewayProcess first = GatewayProcess.start(config)) {
                LoadGenerator load = LoadGenerator.start(first.origin(), humans, agents, CLIENTS);
                boolean loaded = backend.awaitForwarded(40, TimeUnit.SECONDS);
                assertThat(loaded).as("%d calls forwarded before the kill; load errors %s; gateway output:%n%s",
                        FORWARDED_BEFORE_KILL, load.errors(), first.output()).isTrue();

                load.expectFailures();
                int exitValue = first.kill();
                load.stop();

                assertThat(exitValue).as("exit value after SIGKILL").isEqualTo(SIGKILL_EXIT);
                assertThat(load.errors()).as("load errors before the kill").isEmpty();
                assertThat(load.rejections()).as("non-200 responses before the kill").isEmpty();
            }
            assertThat(backend.txns()).as("calls forwarded before the kill").hasSizeGreaterThanOrEqualTo(
                    FORWARDED_BEFORE_KILL);

            try (GatewayProcess second = GatewayProcess.start(config)) {
                callAfterRestart(second.origin(), humans, agents);
                assertThat(second.stop()).as("exit value after SIGTERM; output:%n%s", second.output()).isZero();
            }
            assertThat(backend.errors()).as("backend errors").isEmpty();
            assertLogCoversEveryTxn(directory.resolve("data/audit"), directory.resolve("data/audit-key.jwk"),
                    backend.txns());
        }
    }

    private static void callAfterRestart(String origin, TestIdentityProvider humans, TestIdentityProvider agents)
            throws Exception {
        AgentClient agent = new AgentClient(origin);
        String token = LoadGenerator.capabilityToken(agent, humans, agents, "after-restart");
        for (int i = 0; i < CALLS_AFTER_RESTART; i++) {
            HttpResponse<String> response = agent.call("GET", QUEUES, token, Map.of());
            assertThat(response.statusCode()).as("call %d after restart: %s", i, response.body()).isEqualTo(200);
        }
    }

    private static void assertLogCoversEveryTxn(Path auditDirectory, Path auditKey, List<String> txns)
            throws IOException {
        VerificationResult verification = AuditVerifier.verify(auditDirectory, List.of(AuditPublicKey.read(auditKey)));
        assertThat(verification.valid()).as("verification: %s at %s line %d", verification.problem(),
                verification.file(), verification.firstBadLine()).isTrue();
        assertThat(verification.coveredRecords()).as("records covered by the last checkpoint")
                .isEqualTo(verification.recordsVerified());

        Set<String> decisionIds = new HashSet<>();
        try (AuditRecords records = AuditRecords.open(auditDirectory)) {
            for (AuditRecord record = records.next(); record != null; record = records.next()) {
                if (record.event().type() == AuditEventType.DECISION) {
                    decisionIds.add(record.id());
                }
            }
        }
        List<String> missing = txns.stream().filter(txn -> !decisionIds.contains(txn)).toList();
        assertThat(missing).as("txn values without a decision record, of %d received", txns.size()).isEmpty();
        assertThat(decisionIds).hasSizeGreaterThanOrEqualTo(txns.size());
    }

    private static String configYaml(TestIdentityProvider humans, TestIdentityProvider agents, int backendPort) {
        return TestIdentityProvider.gatewayYaml(humans, agents) + """
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
                """.formatted(backendPort);
    }

    /** {@code agent-gateway serve} in a child JVM, its output collected by a thread of this JVM. */
    private static final class GatewayProcess implements AutoCloseable {

        private static final Pattern ORIGIN = Pattern.compile("Agent listener on .* public origin (\\S+)");
        private static final long START_SECONDS = 30;
        private static final long EXIT_SECONDS = 20;

        private final Process process;
        private final List<String> output = new ArrayList<>();
        private final CompletableFuture<String> origin = new CompletableFuture<>();

        private GatewayProcess(Process process) {
            this.process = process;
        }

        /** Starts the gateway with {@code config} and waits until its agent listener is bound. */
        static GatewayProcess start(Path config) throws Exception {
            String java = ProcessHandle.current().info().command().orElseThrow();
            Process process = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"),
                    AgentGatewayCommand.class.getName(), "serve", "--config", config.toString())
                    .redirectErrorStream(true)
                    .start();
            GatewayProcess gateway = new GatewayProcess(process);
            Thread reader = new Thread(gateway::collectOutput, "gateway-output-" + process.pid());
            reader.setDaemon(true);
            reader.start();
            gateway.origin.get(START_SECONDS, TimeUnit.SECONDS);
            return gateway;
        }

        private void collectOutput() {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    synchronized (output) {
                        output.add(line);
                    }
                    Matcher matcher = ORIGIN.matcher(line);
                    if (matcher.find()) {
                        origin.complete(matcher.group(1));
                    }
                }
            } catch (IOException e) {
                // SIGKILL closes the pipe while this thread reads it, so the output ends here.
            }
            origin.completeExceptionally(new IllegalStateException("gateway output ended before the agent listener"
                    + " was bound:\n" + output()));
        }

        String origin() {
            return origin.join();
        }

        String output() {
            synchronized (output) {
                return String.join("\n", output);
            }
        }

        /** Sends SIGKILL and returns the exit value. */
        int kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(EXIT_SECONDS, TimeUnit.SECONDS)).as("process ended after SIGKILL").isTrue();
            return process.exitValue();
        }

        /**
         * Sends SIGTERM and returns the exit value. It signals through the process handle, because
         * {@link Process#destroy} also closes the output stream the reader thread still drains.
         */
        int stop() throws InterruptedException {
            process.toHandle().destroy();
            assertThat(process.waitFor(EXIT_SECONDS, TimeUnit.SECONDS)).as("process ended after SIGTERM").isTrue();
            return process.exitValue();
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    /** Agents that call the tool in a loop, each with its own DPoP key and capability token. */
    private static final class LoadGenerator {

        private final ExecutorService threads;
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicBoolean failuresExpected = new AtomicBoolean();
        private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> rejections = new ConcurrentLinkedQueue<>();

        private LoadGenerator(int clients) {
            this.threads = Executors.newFixedThreadPool(clients);
        }

        static LoadGenerator start(String origin, TestIdentityProvider humans, TestIdentityProvider agents,
                int clients) {
            LoadGenerator load = new LoadGenerator(clients);
            for (int i = 0; i < clients; i++) {
                String name = "load-" + i;
                load.threads.execute(() -> load.run(origin, humans, agents, name));
            }
            return load;
        }

        static String capabilityToken(AgentClient agent, TestIdentityProvider humans, TestIdentityProvider agents,
                String agentName) throws Exception {
            return agent.capabilityToken(humans.idToken("alice", List.of("sre"), List.of("pwd")),
                    agents.idToken(agentName, List.of(), List.of()), "ops", "ops.read");
        }

        private void run(String origin, TestIdentityProvider humans, TestIdentityProvider agents, String name) {
            try {
                AgentClient agent = new AgentClient(origin);
                String token = capabilityToken(agent, humans, agents, name);
                while (!stopped.get()) {
                    HttpResponse<String> response = agent.call("GET", QUEUES, token, Map.of());
                    if (response.statusCode() != 200 && !failuresExpected.get()) {
                        rejections.add(name + ": " + response.statusCode() + " " + response.body());
                    }
                }
            } catch (Exception e) {
                if (!failuresExpected.get()) {
                    errors.add(name + ": " + e);
                }
            }
        }

        /** Marks the start of the kill: failures from here on are the expected result of it. */
        void expectFailures() {
            failuresExpected.set(true);
        }

        void stop() throws InterruptedException {
            stopped.set(true);
            threads.shutdown();
            assertThat(threads.awaitTermination(20, TimeUnit.SECONDS)).as("load threads ended").isTrue();
        }

        List<String> errors() {
            return List.copyOf(errors);
        }

        List<String> rejections() {
            return List.copyOf(rejections);
        }
    }

    /** A backend on loopback that records the {@code txn} claim of the Txn-Token of every request it receives. */
    private static final class TxnRecordingBackend implements AutoCloseable {

        private final HttpServer server;
        private final ConcurrentLinkedQueue<String> txns = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        private final CountDownLatch forwarded;
        private final AtomicInteger requests = new AtomicInteger();

        private TxnRecordingBackend(HttpServer server, int awaitedRequests) {
            this.server = server;
            this.forwarded = new CountDownLatch(awaitedRequests);
        }

        static TxnRecordingBackend start(int awaitedRequests) throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            TxnRecordingBackend backend = new TxnRecordingBackend(server, awaitedRequests);
            server.createContext("/", backend::handle);
            server.setExecutor(Executors.newFixedThreadPool(CLIENTS));
            server.start();
            return backend;
        }

        int port() {
            return server.getAddress().getPort();
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (InputStream body = exchange.getRequestBody()) {
                body.readAllBytes();
            }
            record(exchange.getRequestHeaders().getFirst("Txn-Token"));
            byte[] response = "{\"queues\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, response.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response);
            }
        }

        private void record(String txnToken) {
            int number = requests.incrementAndGet();
            try {
                String txn = txnToken == null
                        ? null
                        : SignedJWT.parse(txnToken).getJWTClaimsSet().getStringClaim("txn");
                if (txn == null) {
                    errors.add("request " + number + " has no Txn-Token txn claim");
                } else {
                    txns.add(txn);
                }
            } catch (ParseException e) {
                errors.add("request " + number + ": Txn-Token is not a JWT: " + e.getMessage());
            }
            forwarded.countDown();
        }

        boolean awaitForwarded(long timeout, TimeUnit unit) throws InterruptedException {
            return forwarded.await(timeout, unit);
        }

        List<String> txns() {
            return List.copyOf(txns);
        }

        List<String> errors() {
            return List.copyOf(errors);
        }

        @Override
        public void close() {
            server.stop(0);
            ((ExecutorService) server.getExecutor()).shutdownNow();
        }
    }
}
