package dev.agentgateway.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/** {@link AuditLog} writing JSON lines to a file in one directory. */
public final class FileAuditLog implements AuditLog {

    private FileAuditLog() {
    }

    /**
     * Opens the log in {@code directory}, creating both when absent, and continues the chain of the last whole
     * record found there.
     *
     * @throws IOException when the directory cannot be created or the existing log cannot be read
     */
    public static FileAuditLog open(Path directory, Clock clock) throws IOException {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public AppendedRecord append(AuditEvent event) throws AuditWriteException {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public void close() throws IOException {
        throw new UnsupportedOperationException("TODO");
    }
}
