package dev.agentgateway.token.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a private {@code redis-server} on a free loopback port before each test and stops it after, with no
 * persistence and its files in a temporary directory. Tests may stop and restart it on the same port: a socket keeps
 * the port from before the first start until after the test, so no other process is given it in between.
 *
 * <p>A missing {@code redis-server} fails the test rather than skipping it, so the Redis replay cache is never left
 * untested by accident.
 */
public final class RedisServerExtension implements BeforeEachCallback, AfterEachCallback {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
    private static final List<Path> KNOWN_LOCATIONS = List.of(Path.of("/usr/bin/redis-server"),
            Path.of("/usr/local/bin/redis-server"));

    private Path executable;
    private Path directory;
    /**
     * Socket bound to the port with SO_REUSEADDR but not listening. The system then assigns the port to no socket
     * that requests a free one, while {@code redis-server}, which also sets SO_REUSEADDR, can still listen on it.
     */
    private Socket portReservation;
    private int port;
    private Process process;

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        directory = null;
        executable = findExecutable();
        directory = Files.createTempDirectory("redis-test");
        portReservation = reservePort();
        port = portReservation.getLocalPort();
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        stop();
        if (portReservation != null) {
            portReservation.close();
            portReservation = null;
        }
        if (directory == null) {
            return;
        }
        try (var files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(directory);
    }

    /** Returns {@code redis://127.0.0.1:<port>/0}. */
    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port + "/0");
    }

    public int port() {
        return port;
    }

    /** Starts the server on this extension's port and waits until it replies to {@code PING}. */
    public void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("redis-server is already running on port " + port);
        }
        List<String> command = new ArrayList<>(List.of(executable.toString(), "--save", "", "--appendonly", "no",
                "--bind", "127.0.0.1", "--port", Integer.toString(port), "--dir", directory.toString()));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("redis.log").toFile()))
                .start();
        awaitPing();
    }

    /** Stops the server and waits until its process has exited. */
    public void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
    }

    private void awaitPing() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("redis-server exited with status " + process.exitValue() + " on port " + port + "; its output: "
                        + Files.readString(directory.resolve("redis.log")));
            }
            if (answersPing()) {
                return;
            }
            Thread.sleep(20);
        }
        stop();
        fail("redis-server did not answer PING on 127.0.0.1:" + port + " within " + STARTUP_TIMEOUT.toSeconds()
                + "s");
    }

    private boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(7);
            return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private static Path findExecutable() {
        String path = System.getenv("PATH");
        List<Path> candidates = new ArrayList<>();
        if (path != null) {
            for (String entry : path.split(java.io.File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    candidates.add(Path.of(entry, "redis-server"));
                }
            }
        }
        candidates.addAll(KNOWN_LOCATIONS);
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail("redis-server not found on PATH, in /usr/bin or in /usr/local/bin (expected: the Redis"
                + " server, which the Redis replay cache tests start on loopback; install it with"
                + " `apt-get install -y redis-server` on Debian, or run .ci/run, which installs it)");
    }

    private static Socket reservePort() throws IOException {
        Socket socket = new Socket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return socket;
    }
}
