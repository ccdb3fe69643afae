package dev.agentgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.agentgateway.audit.FileAuditLog;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listener that cannot bind stops the start, and everything already started is closed again. */
class ListenerBindTest {

    @TempDir
    Path directory;

    @Test
    void agentPortInUseNamesListener() throws Exception {
        try (ServerSocket held = holdPort()) {
            GatewayConfig config = config(held.getLocalPort(), 0, null);

            assertThatThrownBy(() -> GatewayServer.start(config))
                    .isInstanceOf(ListenerBindException.class)
                    .hasMessage("agent listener 127.0.0.1:" + held.getLocalPort()
                            + ": address already in use (set listeners.agent in the configuration)");
        }
    }

    @Test
    void samplePortInUseNamesListener() throws Exception {
        try (ServerSocket held = holdPort()) {
            GatewayConfig config = config(0, 0, held.getLocalPort());

            assertThatThrownBy(() -> GatewayServer.start(config))
                    .isInstanceOf(ListenerBindException.class)
                    .hasMessage("sample tool listener 127.0.0.1:" + held.getLocalPort()
                            + ": address already in use (set sample-tool.listener in the configuration)");
        }
    }

    @Test
    void adminPortInUseClosesWhatStarted() throws Exception {
        try (Socket agentPort = reservePort();
                Socket samplePort = reservePort();
                ServerSocket held = holdPort();
                CapturedLogs logs = new CapturedLogs()) {
            GatewayConfig config = config(agentPort.getLocalPort(), held.getLocalPort(), samplePort.getLocalPort());

            assertThatThrownBy(() -> GatewayServer.start(config))
                    .isInstanceOf(ListenerBindException.class)
                    .hasMessageStartingWith("admin listener 127.0.0.1:" + held.getLocalPort() + ": ")
                    .hasMessageEndingWith("(set listeners.admin in the configuration)");
            assertThat(logs.messages(Level.INFO)).doesNotContain("Agent gateway stopped");
            assertBindable(agentPort.getLocalPort());
            assertBindable(samplePort.getLocalPort());
        }
        try (FileAuditLog reopened = FileAuditLog.open(directory.resolve("audit"), Clock.systemUTC())) {
            assertThat(reopened.directory()).isDirectory();
        }
    }

    @Test
    void startedGatewayLogsStopped() throws Exception {
        try (CapturedLogs logs = new CapturedLogs()) {
            GatewayServer.start(config(0, 0, null)).close();

            assertThat(logs.messages(Level.INFO)).contains("Agent gateway stopped");
        }
    }

    private GatewayConfig config(int agentPort, int adminPort, Integer samplePort) throws Exception {
        String yaml = "listeners:\n  agent: 127.0.0.1:" + agentPort + "\n  admin: 127.0.0.1:" + adminPort + "\n"
                + "signing-key: {path: signing-key.jwk}\n"
                + "audit: {directory: audit}\n"
                + "routes:\n  - tool: ops\n    path-prefix: /tools/ops/\n    backend: http://127.0.0.1:9/\n"
                + (samplePort == null ? "" : "sample-tool: {listener: 127.0.0.1:" + samplePort + "}\n");
        return ConfigLoader.load(Files.writeString(directory.resolve("gateway.yaml"), yaml));
    }

    private static ServerSocket holdPort() throws IOException {
        return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    /**
     * Returns a socket bound to a free loopback port with SO_REUSEADDR but not listening. The system then assigns the
     * port to no socket that requests an ephemeral port, while a listener that also sets SO_REUSEADDR, as the
     * gateway's do, can still bind it. A port closed before use could be given to another process first.
     */
    private static Socket reservePort() throws IOException {
        Socket socket = new Socket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return socket;
    }

    /** Checks that nothing listens on {@code port} any more, by listening on it with SO_REUSEADDR. */
    private static void assertBindable(int port) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }
}
