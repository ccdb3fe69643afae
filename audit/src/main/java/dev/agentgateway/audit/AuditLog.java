package dev.agentgateway.audit;

import java.io.Closeable;

/** Append-only, hash-chained audit log. Implementations are thread-safe. */
public interface AuditLog extends Closeable {

    /**
     * Appends {@code event} and returns once the record is durable (written and fsynced).
     *
     * @throws AuditWriteException when the record could not be made durable; nothing may be forwarded then
     */
    AppendedRecord append(AuditEvent event) throws AuditWriteException;

    /**
     * Checks, without appending a record, whether an append would succeed now. Readiness checks use it to notice,
     * without waiting for traffic, that a failing log recovered or that a working one stopped working.
     *
     * @throws AuditWriteException when the check finds that appends would fail
     */
    void checkWritable() throws AuditWriteException;
}
