package dev.agentgateway.gateway.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A backend tool on loopback that records every request it receives. Paths ending in {@code /slow} hold the
 * response until the backend closes, so a gateway response timeout fires first. Paths ending in {@code /big} get
 * a large chunked body.
 */
final class RecordingBackend implements AutoCloseable {

    /** Size of the body served at paths ending in {@code /big}. */
    static final int LARGE_BODY_BYTES = 2 * 1024 * 1024;

    private final HttpServer server;
    private final List<ReceivedRequest> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);

    private RecordingBackend(HttpServer server) {
        this.server = server;
    }

    static RecordingBackend start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        RecordingBackend backend = new RecordingBackend(server);
        server.createContext("/", backend::handle);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        return backend;
    }

    int port() {
        return server.getAddress().getPort();
    }

    List<ReceivedRequest> received() {
        return received;
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, new ArrayList<>(values)));
        String target = exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        received.add(new ReceivedRequest(exchange.getRequestMethod(), target, headers, body));

        if (target.endsWith("/slow")) {
            awaitRelease();
        }
        if (target.endsWith("/big")) {
            sendLargeChunkedBody(exchange);
            return;
        }
        byte[] response = ("{\"tool\":\"ops\",\"path\":\"" + target + "\",\"received_bytes\":" + body.length + "}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.getResponseHeaders().add("Connection", "X-Backend-Hop");
        exchange.getResponseHeaders().add("X-Backend-Hop", "hop-by-hop");
        exchange.sendResponseHeaders(200, response.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(response);
        }
    }

    /** Sends {@link #LARGE_BODY_BYTES} bytes with chunked framing, so the gateway must stream them. */
    private static void sendLargeChunkedBody(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, 0);
        byte[] block = new byte[64 * 1024];
        Arrays.fill(block, (byte) 'x');
        try (OutputStream out = exchange.getResponseBody()) {
            for (int sent = 0; sent < LARGE_BODY_BYTES; sent += block.length) {
                out.write(block);
            }
        }
    }

    private void awaitRelease() {
        try {
            released.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
    }

    /** One request as the backend received it; header names are matched case-insensitively. */
    record ReceivedRequest(String method, String target, Map<String, List<String>> headers, byte[] body) {

        String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }
}
