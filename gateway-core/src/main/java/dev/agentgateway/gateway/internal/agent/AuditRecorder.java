package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.audit.AppendedRecord;
import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditLog;
import dev.agentgateway.audit.AuditWriteException;
import dev.agentgateway.gateway.internal.DaemonThreads;
import dev.agentgateway.gateway.internal.metrics.GatewayMetrics;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends audit records off the event loop. An append writes and fsyncs, so it runs on a dedicated executor and
 * completes a future that the caller continues on its own event loop.
 *
 * <p>The recorder also tracks whether the log is writable: the first failure after a success is logged at error
 * level and the first success after a failure at info level, so an outage produces two log lines however many
 * requests it fails. Every failure is counted in {@link GatewayMetrics#auditFailure}. Thread-safe.
 */
public final class AuditRecorder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AuditRecorder.class);
    private static final long CLOSE_TIMEOUT_SECONDS = 10;

    private final AuditLog auditLog;
    private final GatewayMetrics metrics;
    private final ExecutorService executor;
    private final AtomicBoolean writable = new AtomicBoolean(true);

    public AuditRecorder(AuditLog auditLog, GatewayMetrics metrics, int threads) {
        this.auditLog = Objects.requireNonNull(auditLog, "auditLog");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.executor = Executors.newFixedThreadPool(threads, DaemonThreads.named("audit-append-"));
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
        try {
            AppendedRecord record = auditLog.append(event);
            markWritable();
            result.complete(record);
        } catch (AuditWriteException e) {
            markFailed(event, e);
            result.completeExceptionally(e);
        } catch (RuntimeException e) {
            markFailed(event, e);
            result.completeExceptionally(new AuditWriteException("audit append failed unexpectedly", e));
        }
    }

    private void markWritable() {
        if (writable.compareAndSet(false, true)) {
            log.info("Audit log appends succeed again; calls are forwarded again");
        }
    }

    private void markFailed(AuditEvent event, Exception cause) {
        metrics.auditFailure(event.type().wireName());
        if (writable.compareAndSet(true, false)) {
            log.error("Audit log append failed; calls fail closed with 503 until an append succeeds", cause);
        }
    }

    /**
     * Returns whether the last append succeeded (true before the first append). Only an append notices that the
     * log works again, so while no request arrives this stays false after a failure.
     */
    public boolean writable() {
        return writable.get();
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
