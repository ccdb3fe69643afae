package dev.agentgateway.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.FileAuditLog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(60)
class AuditTailCommandTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T20:30:00.123Z"), ZoneOffset.UTC);
    private static final String CLEAR_SCREEN = "\u001b[2J";
    private static final String CLIPBOARD_WRITE = "\u001b]52;c;ZWNobyBwd25lZA==\u0007";
    private static final String FORGED = "x\n{\"seq\":1,\"decision\":\"allow\"}";

    @TempDir
    Path directory;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = AgentGatewayCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private void writeRecords(AuditEvent... events) throws Exception {
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK)) {
            for (AuditEvent event : events) {
                log.append(event);
            }
        }
    }

    private static AuditEvent decision(String principal, String tool, String decision) {
        return AuditEvent.builder(AuditEventType.DECISION, "req-1")
                .principal(principal)
                .tool(tool)
                .method("GET")
                .path("/tools/" + tool + "/status")
                .decision(decision)
                .rule("ops-read")
                .build();
    }

    @Test
    void tailPrintsReadableLines() throws Exception {
        writeRecords(decision("alice (https://idp)", "ops", "allow"));

        assertThat(run("audit", "tail", "--directory", directory.toString())).as(err.toString()).isZero();

        assertThat(out.toString()).isEqualTo("2026-12-04T20:30:00.123Z #1 decision allow alice (https://idp) ops"
                + " GET /tools/ops/status rule=ops-read request_id=req-1" + System.lineSeparator());
    }

    @Test
    void tailEscapesHostileValues() throws Exception {
        writeRecords(decision(CLEAR_SCREEN + CLIPBOARD_WRITE + "\r\u202e" + FORGED, "ops", "deny"));

        assertThat(run("audit", "tail", "--directory", directory.toString())).isZero();

        String line = out.toString().strip();
        assertThat(line.chars()).as(line).allMatch(c -> c >= 0x20 && c < 0x7f);
        assertThat(line).contains("\\x1b[2J\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x0d\\u{202e}x\\x0a{\"seq\":1");
    }

    @Test
    void tailJsonIsAsciiAndComplete() throws Exception {
        String hostile = CLEAR_SCREEN + CLIPBOARD_WRITE + "\r\u202e" + FORGED + "\u2028\u009b";
        writeRecords(decision(hostile, "ops", "deny"));

        assertThat(run("audit", "tail", "--json", "--directory", directory.toString())).isZero();

        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0).chars()).as(lines.get(0)).allMatch(c -> c >= 0x20 && c < 0x7f);
        assertThat(new ObjectMapper().readTree(lines.get(0)).get("principal").asText()).isEqualTo(hostile);
    }

    @Test
    void tailFilters() throws Exception {
        writeRecords(decision("alice (https://idp)", "ops", "allow"), decision("bob (https://idp)", "db", "deny"),
                decision("alice (https://idp)", "db", "deny"));

        assertThat(run("audit", "tail", "--directory", directory.toString(), "--principal", "alice (https://idp)",
                "--tool", "db", "--decision", "deny", "--since", "2026-12-04T20:30:00Z")).isZero();

        assertThat(out.toString()).startsWith("2026-12-04T20:30:00.123Z #3 ");
        assertThat(out.toString().lines()).hasSize(1);
    }

    @Test
    void tailRejectsBadDecision() throws Exception {
        writeRecords(decision("alice (https://idp)", "ops", "allow"));

        assertThat(run("audit", "tail", "--directory", directory.toString(), "--decision", "maybe")).isEqualTo(2);
        assertThat(err.toString()).contains("decision: \"maybe\" (expected: allow or deny)");
    }

    @Test
    void tailRejectsBadSinceNamingOption() throws Exception {
        writeRecords(decision("alice (https://idp)", "ops", "allow"));

        assertThat(run("audit", "tail", "--directory", directory.toString(), "--since", "yesterday")).isEqualTo(2);
        assertThat(err.toString()).startsWith("--since: \"yesterday\" is not an RFC 3339 date-time");
    }

    @Test
    void tailAcceptsPositionalDirectory() throws Exception {
        writeRecords(decision("alice (https://idp)", "ops", "allow"));

        assertThat(run("audit", "tail", directory.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("#1 decision allow alice (https://idp) ops");
    }

    @Test
    void tailRejectsDirectoryGivenTwice() throws Exception {
        writeRecords(decision("alice (https://idp)", "ops", "allow"));

        assertThat(run("audit", "tail", "--directory", directory.toString(), directory.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("audit log directory given twice");
    }

    @Test
    void tailFollowPrintsNewRecords() throws Exception {
        writeRecords(decision("alice (https://idp)", "ops", "allow"));
        AtomicReference<Thread> tailThread = new AtomicReference<>();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            tailThread.set(Thread.currentThread());
            return run("audit", "tail", "--follow", "--directory", directory.toString());
        });
        awaitOutput("#1 ");

        writeRecords(decision("bob (https://idp)", "db", "deny"));

        awaitOutput("#2 decision deny bob (https://idp) db");
        tailThread.get().interrupt();
        assertThat(exit.get()).isZero();
    }

    @Test
    void tailFollowEndsOnInterruptDuringRead() throws Exception {
        writeRecords(decision("alice (https://idp)", "ops", "allow"));

        // Interrupted before the first read, the log's file channel is closed by the read itself, as it is when an
        // interrupt arrives while a read runs rather than during the wait between reads.
        Thread.currentThread().interrupt();
        int exit;
        try {
            exit = run("audit", "tail", "--follow", "--directory", directory.toString());
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
        }

        assertThat(exit).as(err.toString()).isZero();
        assertThat(err.toString()).isEmpty();
    }

    /** Polls the output until it contains {@code text}; fails after 30 s, which only a broken tail reaches. */
    private void awaitOutput(String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!out.toString().contains(text)) {
            assertThat(System.nanoTime() - deadline).as("output after 30 s without %s: %s", text, out).isNegative();
            Thread.sleep(20);
        }
    }

    @Test
    void adminTokenPrintsDigest() throws Exception {
        assertThat(run("admin", "token", "--name", "siem")).isZero();

        List<String> lines = out.toString().lines().toList();
        String token = lines.get(1);
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(StandardCharsets.UTF_8)));
        assertThat(lines).contains("    - name: siem", "      token-sha256: " + digest);
        assertThat(out.toString().indexOf(token)).isEqualTo(out.toString().lastIndexOf(token));
    }

    @Test
    void adminTokenHelpListsExitCodes() {
        assertThat(run("admin", "token", "--help")).isZero();
        assertThat(out.toString()).contains("Exit codes:").contains("2   --name is missing");
    }

    @Test
    void adminTokenWithoutNameExits2() {
        assertThat(run("admin", "token")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--name=NAME'");
    }

    @Test
    void tailHelpListsExitCodes() {
        assertThat(run("audit", "tail", "--help")).isZero();
        assertThat(out.toString()).contains("Exit codes:").contains("1   reading the log failed").contains("[DIR]");
    }

    @Test
    void adminTokenRejectsBadName() {
        assertThat(run("admin", "token", "--name", "Bad Name")).isEqualTo(2);
        assertThat(err.toString()).contains("\"Bad Name\" is not a valid credential name");
    }
}
