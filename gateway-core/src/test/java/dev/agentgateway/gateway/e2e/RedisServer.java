package dev.agentgateway.gateway.e2e;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} process on a loopback port, without persistence, that the test can stop and start again on
 * the same port. Tests that need it fail, and never skip, when {@code redis-server} is not installed.
 */
final class RedisServer implements AutoCloseable {

    /** Bound on a start, reached only when {@code redis-server} cannot start. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path executable;
    private final Path directory;
    /**
     * Bound to the port with SO_REUSEADDR but not listening, from before the first start until {@link #close}. The
     * system then assigns the port to no socket that requests an ephemeral port, so no other process takes it while the
     * server is stopped, while {@code redis-server}, which also sets SO_REUSEADDR, can still listen on it.
     */
    private final Socket portReservation;
    private final int port;
    private Process process;

    private RedisServer(Path executable, Path directory, Socket portReservation) {
        this.executable = executable;
        this.directory = directory;
        this.portReservation = portReservation;
        this.port = portReservation.getLocalPort();
    }

    /** Starts {@code redis-server} on a free loopback port, working in {@code directory}. */
    static RedisServer start(Path directory) throws IOException, InterruptedException {
        Path executable = findExecutable();
        Socket portReservation = new Socket();
        portReservation.setReuseAddress(true);
        portReservation.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        RedisServer server = new RedisServer(executable, directory, portReservation);
        try {
            server.start();
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    int port() {
        return port;
    }

    /** Returns the process id of the running server, for signals. */
    long pid() {
        if (process == null) {
            throw new IllegalStateException("redis-server on port " + port + " is stopped");
        }
        return process.pid();
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the process again on the same port after {@link #stop}; returns once it replies to {@code PING}. */
    void start() throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(List.of(executable.toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"))
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("redis-" + port + ".log").toFile());
        process = builder.start();
        awaitPong();
    }

    /** Stops the process and waits until it has exited, so nothing listens on the port any more. */
    void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
    }

    @Override
    public void close() throws InterruptedException, IOException {
        try {
            stop();
        } finally {
            portReservation.close();
        }
    }

    private void awaitPong() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        IOException last = null;
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + " before answering PING"
                        + " on port " + port + "; see " + directory.resolve("redis-" + port + ".log"));
            }
            try {
                if (ping()) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(20);
        }
        stop();
        throw new IOException("redis-server did not answer PING on port " + port + " within "
                + START_TIMEOUT.toSeconds() + " s", last);
    }

    private boolean ping() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            socket.setSoTimeout(1_000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(7);
            return new String(reply, US_ASCII).equals("+PONG\r\n");
        }
    }

    /** Returns {@code redis-server} from the {@code PATH} or {@code /usr/bin}, or fails with how to install it. */
    private static Path findExecutable() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String entry : (path + File.pathSeparator + "/usr/bin").split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(entry, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("redis-server was not found on the PATH or in /usr/bin, and this test needs it:"
                + " run `apt-get install -y redis-server` (or .ci/run, which installs it)");
    }
}
