package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.audit.AppendedRecord;
import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditLog;
import dev.agentgateway.audit.AuditWriteException;
import dev.agentgateway.gateway.internal.DaemonThreads;
import dev.agentgateway.gateway.internal.metrics.GatewayMetrics;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends audit records off the event loop. An append writes and fsyncs, so it runs on a dedicated executor and
 * completes a future that the caller continues on its own event loop.
 *
 * <p>The recorder also tracks whether the log is writable, from the outcome of each append and of the checks that
 * {@link #checkReady()} runs. The first failure after a success is logged at error level and the first success
 * after a failure at info level, so an outage produces two log lines however many requests it fails. Every failed
 * append is counted in {@link GatewayMetrics#auditFailure}. Thread-safe.
 */
public final class AuditRecorder implements AutoCloseable {

    /** Minimum time between two checks of the log that {@link #checkReady()} runs. */
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(AuditRecorder.class);
    private static final long CLOSE_TIMEOUT_SECONDS = 10;

    private final AuditLog auditLog;
    private final GatewayMetrics metrics;
    private final Clock clock;
    private final ExecutorService executor;
    private final AtomicLong operations = new AtomicLong();

    // Guarded by this.
    private boolean writable = true;
    private long lastFailedOperation;
    private long lastOutcomeMillis;
    private CompletableFuture<Boolean> runningCheck;

    /**
     * @param clock clock that spaces the checks of {@link #checkReady()}
     */
    public AuditRecorder(AuditLog auditLog, GatewayMetrics metrics, int threads, Clock clock) {
        this.auditLog = Objects.requireNonNull(auditLog, "auditLog");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.executor = Executors.newFixedThreadPool(threads, DaemonThreads.named("audit-append-"));
        this.lastOutcomeMillis = clock.millis();
    }

    /**
     * Appends {@code event} on the audit executor. The future completes with the durable record, or exceptionally
     * with an {@link AuditWriteException} when the record could not be made durable.
     */
    public CompletableFuture<AppendedRecord> append(AuditEvent event) {
        CompletableFuture<AppendedRecord> result = new CompletableFuture<>();
        try {
            executor.execute(() -> appendNow(event, result));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new AuditWriteException("audit log is closed", e));
        }
        return result;
    }

    private void appendNow(AuditEvent event, CompletableFuture<AppendedRecord> result) {
        long operation = operations.incrementAndGet();
        try {
            AppendedRecord record = auditLog.append(event);
            recordSuccess(operation);
            result.complete(record);
        } catch (AuditWriteException e) {
            metrics.auditFailure(event.type().wireName());
            recordFailure(operation, "Audit log append failed", e);
            result.completeExceptionally(e);
        } catch (RuntimeException e) {
            metrics.auditFailure(event.type().wireName());
            recordFailure(operation, "Audit log append failed unexpectedly", e);
            result.completeExceptionally(new AuditWriteException("audit append failed unexpectedly", e));
        }
    }

    /**
     * Returns whether appends succeed, for the readiness endpoint. When the last append or check ended less than
     * {@link #CHECK_INTERVAL} ago, the future completes at once with its outcome. Otherwise the future completes after
     * a new {@link AuditLog#checkWritable} on the audit executor, which adds no record. So readiness follows the log
     * without agent traffic, in both directions, and health checks cost at most one check per interval.
     */
    public CompletableFuture<Boolean> checkReady() {
        CompletableFuture<Boolean> check;
        synchronized (this) {
            if (runningCheck != null) {
                return runningCheck;
            }
            if (clock.millis() - lastOutcomeMillis < CHECK_INTERVAL.toMillis()) {
                return CompletableFuture.completedFuture(writable);
            }
            check = new CompletableFuture<>();
            runningCheck = check;
        }
        try {
            executor.execute(() -> checkNow(check));
        } catch (RejectedExecutionException e) {
            finishCheck(check, false);
        }
        return check;
    }

    private void checkNow(CompletableFuture<Boolean> check) {
        long operation = operations.incrementAndGet();
        try {
            auditLog.checkWritable();
            recordSuccess(operation);
        } catch (AuditWriteException | RuntimeException e) {
            recordFailure(operation, "Audit log check failed", e);
        }
        finishCheck(check, writable());
    }

    private void finishCheck(CompletableFuture<Boolean> check, boolean ready) {
        synchronized (this) {
            runningCheck = null;
        }
        check.complete(ready);
    }

    /**
     * Records a successful append or check. It marks the log writable unless an operation that started later has
     * failed. Operations run in parallel and may end out of order, so that later failure is the newer state.
     */
    private void recordSuccess(long operation) {
        synchronized (this) {
            lastOutcomeMillis = clock.millis();
            if (operation < lastFailedOperation || writable) {
                return;
            }
            writable = true;
        }
        log.info("Audit log appends succeed again; calls are forwarded again");
    }

    /** Records a failed append or check; a failure always marks the log not writable. */
    private void recordFailure(long operation, String what, Exception cause) {
        boolean wasWritable;
        synchronized (this) {
            lastOutcomeMillis = clock.millis();
            lastFailedOperation = Math.max(lastFailedOperation, operation);
            wasWritable = writable;
            writable = false;
        }
        if (wasWritable) {
            log.error("{}; calls fail closed with 503 until an append or check succeeds", what, cause);
        }
    }

    /** Returns whether the last append or check that ended succeeded; true before the first one. */
    public synchronized boolean writable() {
        return writable;
    }

    /** Waits for pending appends, then closes the audit log. */
    @Override
    public void close() throws IOException {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                log.warn("Audit appends still pending after {} s; closing the audit log anyway",
                        CLOSE_TIMEOUT_SECONDS);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        auditLog.close();
    }
}
