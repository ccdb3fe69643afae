package dev.agentgateway.gateway.internal.admin;

import dev.agentgateway.gateway.internal.DaemonThreads;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /audit/stream}: authenticates the admin bearer credential, parses the filter and starts an
 * {@link AuditStream} on the connection. Streams read the log on a small thread pool of their own, never on an
 * event loop, and at most {@code maxStreams} run at once. Thread-safe.
 */
public final class AuditStreams implements AutoCloseable {

    /** Streams that may run at once; one more is rejected with 503. */
    public static final int DEFAULT_MAX_STREAMS = 16;
    /** Time between two reads of the log while a stream waits for new records. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);
    /** Time without an event after which a stream sends a keep-alive comment. */
    public static final Duration DEFAULT_KEEP_ALIVE_INTERVAL = Duration.ofSeconds(15);

    /** Bound on waiting for the streams' last chunks when the gateway stops. */
    static final Duration FINISH_TIMEOUT = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(AuditStreams.class);
    private static final int READER_THREADS = 2;

    private final Path directory;
    private final LongSupplier durableSequence;
    private final AdminCredentials credentials;
    private final Runnable unauthorized;
    private final Settings settings;
    private final ScheduledExecutorService readers =
            Executors.newScheduledThreadPool(READER_THREADS, DaemonThreads.named("audit-stream-"));
    private final AtomicInteger active = new AtomicInteger();
    private final Set<AuditStream> streams = ConcurrentHashMap.newKeySet();

    /**
     * Timing and bounds of the streams.
     *
     * @param maxStreams streams that may run at once
     * @param pollInterval time between two reads of the log while waiting for new records
     * @param keepAliveInterval time without an event after which a keep-alive comment is sent
     */
    public record Settings(int maxStreams, Duration pollInterval, Duration keepAliveInterval) {

        public Settings {
            if (maxStreams < 1) {
                throw new IllegalArgumentException("maxStreams: " + maxStreams + " (expected: at least 1)");
            }
            Objects.requireNonNull(pollInterval, "pollInterval");
            Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
        }

        /** Returns 16 streams, a read every 100 ms and a keep-alive comment after 15 s without events. */
        public static Settings defaults() {
            return new Settings(DEFAULT_MAX_STREAMS, DEFAULT_POLL_INTERVAL, DEFAULT_KEEP_ALIVE_INTERVAL);
        }
    }

    /**
     * @param durableSequence the log's {@link dev.agentgateway.audit.AuditLog#lastDurableSequence()}; streams send
     *     no record past it, because a record not yet durable may still be cut after a failed fsync
     * @param unauthorized called for each request rejected with 401, to count it
     */
    public AuditStreams(Path directory, LongSupplier durableSequence, AdminCredentials credentials,
            Runnable unauthorized, Settings settings) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.durableSequence = Objects.requireNonNull(durableSequence, "durableSequence");
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.unauthorized = Objects.requireNonNull(unauthorized, "unauthorized");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Starts a stream for {@code request} on the connection, or returns the error response to send instead: 401
     * without a valid credential, 400 for an invalid query, 503 when {@code maxStreams} streams already run.
     */
    FullHttpResponse open(ChannelHandlerContext ctx, FullHttpRequest request) {
        Optional<String> credential = credentials.authenticate(request.headers().getAll(HttpHeaderNames.AUTHORIZATION));
        if (credential.isEmpty()) {
            unauthorized.run();
            log.debug("Audit stream from {} rejected: no valid admin credential", ctx.channel().remoteAddress());
            return AdminProblems.unauthorized(credentials.isEmpty()
                    ? "the audit stream is disabled: no admin credentials are configured"
                    : "a valid admin bearer credential is required");
        }
        AuditStreamQuery query;
        try {
            query = AuditStreamQuery.parse(request);
        } catch (IllegalArgumentException e) {
            return AdminProblems.problem(HttpResponseStatus.BAD_REQUEST, "invalid_request", "Invalid request",
                    e.getMessage());
        }
        if (active.incrementAndGet() > settings.maxStreams()) {
            active.decrementAndGet();
            log.debug("Audit stream for {} rejected: {} streams already run", credential.get(),
                    settings.maxStreams());
            return AdminProblems.problem(HttpResponseStatus.SERVICE_UNAVAILABLE, "too_many_streams",
                    "Too many audit streams", settings.maxStreams() + " audit streams already run; retry later");
        }
        log.info("Audit stream opened for admin credential {} from {} after record {}", credential.get(),
                ctx.channel().remoteAddress(), query.afterSequence());
        AuditStream stream = new AuditStream(ctx, directory, durableSequence, query, settings, readers);
        streams.add(stream);
        ctx.channel().closeFuture().addListener(closed -> {
            streams.remove(stream);
            active.decrementAndGet();
            log.info("Audit stream for admin credential {} closed", credential.get());
        });
        stream.start();
        return null;
    }

    /** Returns the number of streams running now. */
    public int activeStreams() {
        return active.get();
    }

    /**
     * Ends every stream's response with its last chunk, closes their connections and stops reading the log. Waits
     * up to {@link #FINISH_TIMEOUT} for those last chunks, because an event loop that shuts down closes its
     * connections before it runs the writes still queued.
     */
    @Override
    public void close() {
        List<ChannelFuture> finishing = new ArrayList<>();
        for (AuditStream stream : streams) {
            finishing.add(stream.finish());
        }
        long deadline = System.nanoTime() + FINISH_TIMEOUT.toNanos();
        for (ChannelFuture future : finishing) {
            future.awaitUninterruptibly(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        readers.shutdownNow();
    }
}
