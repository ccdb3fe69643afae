package dev.agentgateway.audit;

import java.io.Closeable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Append-only, hash-chained audit log. Implementations are thread-safe. */
public interface AuditLog extends Closeable {

    /**
     * Queues {@code event} for the next group commit. The future completes with the record once it is durable
     * (written and fsynced), or exceptionally with an {@link AuditWriteException} when it could not be made durable,
     * when too many records are already waiting, or when the log is closed. Nothing may be forwarded before it
     * completes normally. Never blocks on I/O.
     */
    CompletableFuture<AppendedRecord> appendAsync(AuditEvent event);

    /**
     * Appends {@code event} and returns once the record is durable.
     *
     * @throws AuditWriteException when the record could not be made durable; nothing may be forwarded then
     */
    default AppendedRecord append(AuditEvent event) throws AuditWriteException {
        try {
            return appendAsync(event).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof AuditWriteException writeFailure) {
                throw writeFailure;
            }
            throw new AuditWriteException("audit append failed unexpectedly", e.getCause());
        }
    }

    /**
     * Checks, without appending a record, whether an append would succeed now. Readiness checks use it to notice,
     * without waiting for traffic, that a failing log recovered or that a working one stopped working.
     *
     * @throws AuditWriteException when the check finds that appends would fail
     */
    void checkWritable() throws AuditWriteException;

    /** Returns the sequence number of the last durable record, 0 for an empty log. */
    long lastDurableSequence();
}
