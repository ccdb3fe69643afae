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
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends audit records through {@link AuditLog#appendAsync}, which group-commits them on the log's own writer
 * thread, and hands each outcome back to the caller's executor, so no caller work runs on that thread.
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

    private final AuditLog auditLog;
    private final GatewayMetrics metrics;
    private final Clock clock;
    /** Runs {@link AuditLog#checkWritable}, which blocks on I/O; at most one check runs at a time. */
    private final ExecutorService checkExecutor;
    private final AtomicLong operations = new AtomicLong();

    // Guarded by this.
    private boolean writable = true;
    private long lastFailedOperation;
    private long lastOutcomeMillis;
    private CompletableFuture<Boolean> runningCheck;

    /**
     * @param clock clock that spaces the checks of {@link #checkReady()}
     */
    public AuditRecorder(AuditLog auditLog, GatewayMetrics metrics, Clock clock) {
        this.auditLog = Objects.requireNonNull(auditLog, "auditLog");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.checkExecutor = Executors.newSingleThreadExecutor(DaemonThreads.named("audit-check-"));
        this.lastOutcomeMillis = clock.millis();
    }

    /**
     * Queues {@code event} for the next group commit. The future completes on {@code continuation} (the channel's
     * event loop) with the durable record, or exceptionally with an {@link AuditWriteException} when the record
     * could not be made durable. When {@code continuation} rejects the task because it is shutting down, the
     * future is left incomplete: its channel is closed by then.
     */
    public CompletableFuture<AppendedRecord> append(AuditEvent event, Executor continuation) {
        Objects.requireNonNull(continuation, "continuation");
        CompletableFuture<AppendedRecord> result = new CompletableFuture<>();
        appendTracked(event).whenComplete((record, error) -> {
            try {
                continuation.execute(() -> complete(result, record, error));
            } catch (RejectedExecutionException e) {
                log.debug("Request {}: audit append finished after its event loop shut down", event.requestId());
            }
        });
        return result;
    }

    /**
     * Queues {@code event} without waiting for it, for records nothing depends on (call outcomes). A failure is
     * still counted and logged like any other.
     */
    public void appendWithoutWaiting(AuditEvent event) {
        appendTracked(event);
    }

    private static void complete(CompletableFuture<AppendedRecord> result, AppendedRecord record, Throwable error) {
        if (error != null) {
            result.completeExceptionally(writeFailure(error));
        } else {
            result.complete(record);
        }
    }

    /**
     * Starts the append and records its outcome. The returned future may complete on the log's writer thread, so
     * only the quick bookkeeping here runs there.
     */
    private CompletableFuture<AppendedRecord> appendTracked(AuditEvent event) {
        long operation = operations.incrementAndGet();
        CompletableFuture<AppendedRecord> appended;
        try {
            appended = auditLog.appendAsync(event);
        } catch (RuntimeException e) {
            appended = CompletableFuture.failedFuture(e);
        }
        return appended.handle((record, error) -> {
            if (error == null) {
                recordSuccess(operation);
                return record;
            }
            AuditWriteException failure = writeFailure(error);
            metrics.auditFailure(event.type().wireName());
            recordFailure(operation, "Audit log append failed", failure);
            throw new CompletionException(failure);
        });
    }

    private static AuditWriteException writeFailure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof AuditWriteException writeFailure) {
            return writeFailure;
        }
        return new AuditWriteException("audit append failed unexpectedly", cause);
    }

    /**
     * Returns whether appends succeed, for the readiness endpoint. When the last append or check ended less than
     * {@link #CHECK_INTERVAL} ago, the future completes at once with its outcome. Otherwise the future completes after
     * a new {@link AuditLog#checkWritable} on a thread of its own, which adds no record. So readiness follows the log
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
            checkExecutor.execute(() -> checkNow(check));
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
        } catch (AuditWriteException e) {
            recordFailure(operation, "Audit log check failed", e);
        } catch (RuntimeException e) {
            recordFailure(operation, "Audit log check failed unexpectedly", e);
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

    /** Returns the sequence number of the last durable record, 0 for an empty log. */
    public long lastDurableSequence() {
        return auditLog.lastDurableSequence();
    }

    /** Returns whether the last append or check that ended succeeded; true before the first one. */
    public synchronized boolean writable() {
        return writable;
    }

    /** Closes the audit log, which makes the records already queued durable first. */
    @Override
    public void close() throws IOException {
        checkExecutor.shutdownNow();
        auditLog.close();
    }
}
