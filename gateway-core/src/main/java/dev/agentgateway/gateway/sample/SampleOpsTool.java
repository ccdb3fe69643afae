package dev.agentgateway.gateway.sample;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small operations tool served over real HTTP: list queues, drain a node, fail over. It records the headers of
 * every request it receives so tests and the demo can show what reached the backend.
 *
 * <p>Endpoints, all responding with JSON:
 * <ul>
 *   <li>{@code GET /health}: {@code {"status":"ok"}}
 *   <li>{@code GET /queues}: queue names and depths
 *   <li>{@code POST /nodes/{node}/drain}: marks the node drained and returns its state
 *   <li>{@code POST /failover} with {@code {"region":"eu-west-1"}}: makes that region active
 * </ul>
 * Errors are RFC 9457 problem documents: 404 for unknown paths and nodes, 405 (with {@code Allow}) for a wrong
 * method, 400 for malformed input, 413 for a body over {@value #MAX_BODY_BYTES} bytes and 415 for a failover body
 * that is not JSON.
 *
 * <p>The tool has no authentication of its own: it is meant to sit behind the gateway on a loopback address.
 * Thread-safe.
 */
public final class SampleOpsTool implements AutoCloseable {

    /** Maximum request body size in bytes. */
    public static final int MAX_BODY_BYTES = 4096;

    /** Number of most recent requests {@link #receivedRequests()} returns. */
    public static final int RECORDED_REQUEST_LIMIT = 64;

    private static final Logger LOG = LoggerFactory.getLogger(SampleOpsTool.class);
    private static final int WORKER_THREADS = 4;
    private static final Pattern DRAIN_PATH = Pattern.compile("/nodes/([^/]*)/drain");
    private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        // The JDK server writes response headers and body separately. Without TCP_NODELAY, Nagle's algorithm
        // delays the body until the client's delayed ACK (at least 40 ms on Linux) for every response. The JDK
        // reads this property once, when the first HttpServer of the process is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Clock clock;
    private final OpsState state = new OpsState();
    private final Deque<RecordedRequest> recorded = new ArrayDeque<>();

    private SampleOpsTool(HttpServer server, ExecutorService executor, Clock clock) {
        this.server = server;
        this.executor = executor;
        this.clock = clock;
    }

    /** Starts the tool on {@code host}:{@code port} (0 for an ephemeral port). */
    public static SampleOpsTool start(String host, int port) throws java.io.IOException {
        return start(host, port, Clock.systemUTC());
    }

    /**
     * Starts the tool on {@code host}:{@code port} (0 for an ephemeral port); {@code clock} stamps the recorded
     * requests.
     */
    public static SampleOpsTool start(String host, int port, Clock clock) throws IOException {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(clock, "clock");
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        ExecutorService executor = Executors.newFixedThreadPool(WORKER_THREADS, new WorkerThreadFactory());
        SampleOpsTool tool = new SampleOpsTool(server, executor, clock);
        server.createContext("/", tool::handle);
        server.setExecutor(executor);
        server.start();
        LOG.debug("Sample ops tool listening on {}", server.getAddress());
        return tool;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Returns the base URL of the tool, for example {@code http://127.0.0.1:8091/}. */
    public String baseUrl() {
        InetSocketAddress address = address();
        String host = address.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + address.getPort() + "/";
    }

    /** Returns the most recent requests, oldest first, at most {@value #RECORDED_REQUEST_LIMIT}. */
    public List<RecordedRequest> receivedRequests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    /** Returns the state of {@code node} ({@code active} or {@code drained}), or empty when it does not exist. */
    public Optional<String> nodeState(String node) {
        return state.nodeState(node);
    }

    /** Returns the region that is active now. */
    public String activeRegion() {
        return state.activeRegion();
    }

    /** Stops accepting requests and ends the worker threads, abandoning exchanges still in progress. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            record(exchange);
            Response response;
            try {
                response = route(exchange);
            } catch (ProblemException problem) {
                response = problem.toResponse();
            } catch (RuntimeException e) {
                LOG.warn("Sample ops tool failed on {} {}", exchange.getRequestMethod(), pathOf(exchange), e);
                response = new ProblemException(500, "Internal error", "The tool failed to handle the request.")
                        .toResponse();
            }
            send(exchange, response);
        } catch (IOException e) {
            LOG.debug("Sample ops tool lost the connection on {}: {}", pathOf(exchange), e.toString());
        }
    }

    private void record(HttpExchange exchange) {
        RecordedRequest request = new RecordedRequest(clock.instant(), exchange.getRequestMethod(),
                pathOf(exchange), exchange.getRequestHeaders());
        synchronized (recorded) {
            if (recorded.size() == RECORDED_REQUEST_LIMIT) {
                recorded.removeFirst();
            }
            recorded.addLast(request);
        }
    }

    private Response route(HttpExchange exchange) throws IOException, ProblemException {
        String method = exchange.getRequestMethod();
        String path = pathOf(exchange);
        switch (path) {
            case "/health":
                requireMethod(method, "GET");
                return Response.ok(JSON.createObjectNode().put("status", "ok"));
            case "/queues":
                requireMethod(method, "GET");
                return Response.ok(queues());
            case "/failover":
                requireMethod(method, "POST");
                return Response.ok(failOver(exchange));
            default:
                break;
        }
        Matcher drain = DRAIN_PATH.matcher(path);
        if (drain.matches()) {
            requireMethod(method, "POST");
            readBody(exchange);
            return Response.ok(drain(drain.group(1)));
        }
        throw new ProblemException(404, "Not found", "No endpoint at \"" + path
                + "\" (expected: /health, /queues, /nodes/{node}/drain or /failover)");
    }

    private ObjectNode queues() {
        ObjectNode body = JSON.createObjectNode();
        var list = body.putArray("queues");
        state.queueDepths().forEach((name, depth) -> list.addObject().put("name", name).put("depth", depth));
        return body;
    }

    private ObjectNode drain(String node) throws ProblemException {
        if (!NODE_NAME.matcher(node).matches()) {
            throw new ProblemException(400, "Invalid node name", "node: \"" + node
                    + "\" (expected: lower-case letters, digits and '-', at most 63 characters)");
        }
        String previous = state.drain(node).orElseThrow(() -> new ProblemException(404, "Unknown node",
                "node: \"" + node + "\" does not exist (expected: node-1 to node-9)"));
        return JSON.createObjectNode()
                .put("node", node)
                .put("state", OpsState.DRAINED)
                .put("previous_state", previous);
    }

    private ObjectNode failOver(HttpExchange exchange) throws IOException, ProblemException {
        requireJsonContentType(exchange);
        String region = parseRegion(readBody(exchange));
        String previous;
        try {
            previous = state.failOver(region);
        } catch (IllegalArgumentException e) {
            throw new ProblemException(400, "Unknown region", e.getMessage());
        }
        return JSON.createObjectNode()
                .put("active_region", region)
                .put("previous_region", previous);
    }

    private static String parseRegion(byte[] body) throws ProblemException {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ProblemException(400, "Malformed JSON", "The body is not valid JSON (expected: "
                    + "{\"region\": \"<name>\"})");
        } catch (IOException e) {
            throw new ProblemException(400, "Malformed JSON", "The body could not be read as JSON");
        }
        if (json == null || !json.isObject() || json.size() != 1 || !json.path("region").isTextual()) {
            throw new ProblemException(400, "Invalid failover request",
                    "The body must be an object with one string member \"region\" (expected: "
                            + "{\"region\": \"eu-west-1\"})");
        }
        return json.get("region").textValue();
    }

    private static void requireMethod(String method, String allowed) throws ProblemException {
        if (!allowed.equals(method)) {
            throw new ProblemException(405, "Method not allowed", "method: \"" + method + "\" (expected: "
                    + allowed + ")").withAllow(allowed);
        }
    }

    private static void requireJsonContentType(HttpExchange exchange) throws ProblemException {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json")) {
            throw new ProblemException(415, "Unsupported media type", "Content-Type: \""
                    + (contentType == null ? "" : contentType) + "\" (expected: application/json)");
        }
    }

    /** Reads the request body, rejecting it with 413 once it exceeds {@link #MAX_BODY_BYTES}. */
    private static byte[] readBody(HttpExchange exchange) throws IOException, ProblemException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null && declaredLength(declared) > MAX_BODY_BYTES) {
            throw bodyTooLarge(declared + " bytes");
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw bodyTooLarge("more than " + MAX_BODY_BYTES + " bytes");
            }
            return body;
        }
    }

    private static long declaredLength(String value) throws ProblemException {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ProblemException(400, "Invalid Content-Length", "Content-Length: \"" + value
                    + "\" (expected: a non-negative integer)");
        }
    }

    private static ProblemException bodyTooLarge(String size) {
        return new ProblemException(413, "Request body too large", "body: " + size + " (expected: at most "
                + MAX_BODY_BYTES + " bytes)");
    }

    private static void send(HttpExchange exchange, Response response) throws IOException {
        byte[] body = JSON.writeValueAsBytes(response.body());
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", response.contentType());
        headers.set("Cache-Control", "no-store");
        if (response.allow() != null) {
            headers.set("Allow", response.allow());
        }
        exchange.sendResponseHeaders(response.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String pathOf(HttpExchange exchange) {
        String path = exchange.getRequestURI().getRawPath();
        return path == null ? "" : path;
    }

    /** A JSON response; {@code allow} is the {@code Allow} header value of a 405, otherwise {@code null}. */
    private record Response(int status, String contentType, ObjectNode body, String allow) {

        static Response ok(ObjectNode body) {
            return new Response(200, "application/json", body, null);
        }
    }

    /** A request the tool rejects, carried to {@link #handle} and sent as an RFC 9457 problem document. */
    private static final class ProblemException extends Exception {

        private static final long serialVersionUID = 1L;

        private final int status;
        private final String title;
        private String allow;

        ProblemException(int status, String title, String detail) {
            super(detail);
            this.status = status;
            this.title = title;
        }

        ProblemException withAllow(String methods) {
            this.allow = methods;
            return this;
        }

        Response toResponse() {
            ObjectNode body = JSON.createObjectNode()
                    .put("type", "about:blank")
                    .put("title", title)
                    .put("status", status)
                    .put("detail", getMessage());
            return new Response(status, "application/problem+json", body, allow);
        }
    }

    /** Creates named daemon worker threads, so thread dumps show them and they never block JVM exit. */
    private static final class WorkerThreadFactory implements ThreadFactory {

        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "sample-ops-tool-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
