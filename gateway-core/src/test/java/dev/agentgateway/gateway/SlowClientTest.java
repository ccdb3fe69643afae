package dev.agentgateway.gateway;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.gateway.internal.http.HttpLimits;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Header read deadline and idle timeout over a real socket, with timeouts shortened to one and three seconds. The
 * idle timeout is the longer one, because a trickled header section also counts as activity: with equal timeouts
 * both fire together, and the idle timeout may close the connection before the 408 is sent.
 */
@Timeout(30)
class SlowClientTest {

    @TempDir
    Path directory;

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
        HttpLimits limits = HttpLimits.defaults().withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(3));
        gateway = GatewayServer.start(ConfigLoader.load(config), limits, Clock.systemUTC());
    }

    @AfterEach
    void stopGateway() {
        gateway.close();
    }

    @Test
    void trickledHeaderSectionGets408() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /tools/ops/queues HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(ISO_8859_1));
            out.flush();

            String response = readUntilClosed(socket);

            assertThat(response).startsWith("HTTP/1.1 408 ");
            assertThat(response).containsIgnoringCase("connection: close");
        }
    }

    @Test
    void silentConnectionIsClosedWithoutResponse() throws Exception {
        try (Socket socket = connect()) {
            assertThat(readUntilClosed(socket)).isEmpty();
        }
    }

    private Socket connect() throws Exception {
        Socket socket = new Socket(gateway.agentAddress().getAddress(), gateway.agentAddress().getPort());
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static String readUntilClosed(Socket socket) throws Exception {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        socket.getInputStream().transferTo(received);
        return received.toString(ISO_8859_1);
    }
}
