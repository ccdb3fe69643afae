package dev.agentgateway.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve} in a child JVM, stopped by a real signal. */
class ServeSignalTest {

    private static final long EXIT_TIMEOUT_SECONDS = 60;

    @TempDir
    Path directory;

    @Test
    void sigtermStopsCleanlyWithExit0() throws Exception {
        assumeTrue(!System.getProperty("os.name").startsWith("Windows"), "needs POSIX signals and kill");
        Path config = Files.writeString(directory.resolve("gateway.yaml"), "listeners:\n  agent: 127.0.0.1:0\n"
                + "  admin: 127.0.0.1:0\nsigning-key: {path: key.jwk}\naudit: {directory: audit}\n"
                + "routes:\n  - tool: ops\n    path-prefix: /tools/ops/\n    backend: http://127.0.0.1:9/\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                AgentGatewayCommand.class.getName(), "serve", "--config", config.toString())
                .redirectErrorStream(true)
                .start();
        List<String> output = new ArrayList<>();
        // A child that never prints or never exits is killed, which ends its output, so the reads below return.
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(process::destroyForcibly,
                CompletableFuture.delayedExecutor(2 * EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            readUntil(lines, "Admin listener on", output);

            // Process.destroy would also close the output stream this test still reads.
            Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).inheritIO().start();
            assertThat(kill.waitFor()).as("kill exit status").isEqualTo(0);

            readUntil(lines, null, output);
        } finally {
            boolean exited = false;
            try {
                exited = process.waitFor(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } finally {
                watchdog.cancel(false);
                if (!exited) {
                    process.destroyForcibly();
                }
            }
        }
        assertThat(process.exitValue()).as(String.join("\n", output)).isEqualTo(0);
        assertThat(output).anyMatch(line -> line.contains("Agent gateway stopped"));
    }

    /** Collects lines until one contains {@code marker}, or until the end of the output when it is null. */
    private static void readUntil(BufferedReader lines, String marker, List<String> output) throws IOException {
        String line;
        while ((line = lines.readLine()) != null) {
            output.add(line);
            if (marker != null && line.contains(marker)) {
                return;
            }
        }
        assertThat(marker).as("output ended before a line with %s:%n%s", marker, String.join("\n", output))
                .isNull();
    }
}
