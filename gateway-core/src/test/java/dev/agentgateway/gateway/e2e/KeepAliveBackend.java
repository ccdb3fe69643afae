package dev.agentgateway.gateway.e2e;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend on loopback, written on plain sockets, that serves one request per connection. It responds to the
 * first request with {@code Connection: keep-alive}, then waits. When the next request starts to arrive on the same
 * connection, it closes the connection without a response. A backend whose keep-alive timeout fires just as the
 * gateway reuses the connection behaves that way, and this backend makes that race happen every time. When the gateway closes the
 * idle connection first, the backend records that instead.
 */
final class KeepAliveBackend implements AutoCloseable {

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final List<String> served = new CopyOnWriteArrayList<>();
    private final AtomicInteger closedOnReuse = new AtomicInteger();
    private final BlockingQueue<Integer> closedByGateway = new LinkedBlockingQueue<>();

    private KeepAliveBackend(ServerSocket server) {
        this.server = server;
    }

    static KeepAliveBackend start() throws IOException {
        KeepAliveBackend backend = new KeepAliveBackend(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        backend.threads.execute(backend::acceptConnections);
        return backend;
    }

    int port() {
        return server.getLocalPort();
    }

    /** Returns the number of connections accepted so far. */
    int connections() {
        return connections.get();
    }

    /** Returns {@code METHOD target} of every request the backend responded to, in order. */
    List<String> served() {
        return served;
    }

    /** Returns how many connections the backend closed because a second request arrived on them. */
    int closedOnReuse() {
        return closedOnReuse.get();
    }

    /** Waits until the gateway closes an idle connection; returns whether it did within {@code limit}. */
    boolean awaitClosedByGateway(Duration limit) throws InterruptedException {
        return closedByGateway.poll(limit.toMillis(), TimeUnit.MILLISECONDS) != null;
    }

    private void acceptConnections() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                int number = connections.incrementAndGet();
                threads.execute(() -> serve(socket, number));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket, int number) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String[] requestLine = head.substring(0, head.indexOf("\r\n")).split(" ");
            in.readNBytes(contentLength(head));
            served.add(requestLine[0] + " " + requestLine[1]);
            respond(socket.getOutputStream(), number);

            if (in.read() < 0) {
                closedByGateway.add(number);
            } else {
                closedOnReuse.incrementAndGet();
            }
        } catch (SocketException e) {
            // The test closed the backend while this connection was open.
        } catch (IOException e) {
            throw new IllegalStateException("backend connection " + number + " failed", e);
        }
    }

    private static void respond(OutputStream out, int number) throws IOException {
        byte[] body = ("{\"connection\":" + number + "}").getBytes(ISO_8859_1);
        String head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: keep-alive\r\n\r\n";
        out.write(head.getBytes(ISO_8859_1));
        out.write(body);
        out.flush();
    }

    /** Reads a header section up to its empty line; returns {@code null} when the connection ends first. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        String end = "\r\n\r\n";
        while (matched < end.length()) {
            int next = in.read();
            if (next < 0) {
                return null;
            }
            head.write(next);
            matched = next == end.charAt(matched) ? matched + 1 : (next == '\r' ? 1 : 0);
        }
        return head.toString(ISO_8859_1);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                return Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
        threads.shutdownNow();
    }
}
