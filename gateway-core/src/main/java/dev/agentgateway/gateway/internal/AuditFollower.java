package dev.agentgateway.gateway.internal;

import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import dev.agentgateway.audit.FileAuditLog;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the records of an audit log after a given sequence number and keeps following it: {@link #next()} returns
 * {@code null} when no further record is available now, and records appended since on a later call. Used by
 * {@code audit tail --follow} and the admin {@code /audit/stream}. Not thread-safe.
 */
public final class AuditFollower implements Closeable {

    // TODO: delegate to AuditRecords.open(directory, afterSequence), which follows segments itself, once the
    // segmented log is merged. Until then each refill reopens the single log file and skips what was read.
    private final Path directory;
    private long lastSequence;
    private long lastSize = -1;
    private AuditRecords records;

    private AuditFollower(Path directory, long afterSequence) {
        this.directory = directory;
        this.lastSequence = afterSequence;
    }

    /**
     * Opens the log in {@code directory} for records with a sequence number above {@code afterSequence}.
     *
     * @throws IOException when {@code directory} does not exist or is not a directory
     */
    public static AuditFollower open(Path directory, long afterSequence) throws IOException {
        if (afterSequence < 0) {
            throw new IllegalArgumentException("afterSequence: " + afterSequence + " (expected: at least 0)");
        }
        AuditRecords.open(directory).close();
        return new AuditFollower(directory, afterSequence);
    }

    /**
     * Returns the next record, or {@code null} when none is available now.
     *
     * @throws IOException when the log cannot be read or holds a malformed record
     */
    public AuditRecord next() throws IOException {
        if (records == null && !reopen()) {
            return null;
        }
        AuditRecord record = readWhole();
        while (record != null && record.sequence() <= lastSequence) {
            record = readWhole();
        }
        if (record == null) {
            records.close();
            records = null;
            return null;
        }
        lastSequence = record.sequence();
        return record;
    }

    private boolean reopen() throws IOException {
        Path file = directory.resolve(FileAuditLog.FILE_NAME);
        long size = Files.exists(file) ? Files.size(file) : 0;
        if (size == lastSize) {
            return false;
        }
        lastSize = size;
        records = AuditRecords.open(directory);
        return true;
    }

    /** Reads a record, treating an incomplete last line as not yet written: the writer is still appending it. */
    private AuditRecord readWhole() throws IOException {
        try {
            return records.next();
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().endsWith("final line is incomplete")) {
                lastSize = -1;
                return null;
            }
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        if (records != null) {
            records.close();
            records = null;
        }
    }
}
