package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.LineReader;
import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.audit.internal.RecordFormatException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads the records of an audit log in order, one line at a time, for printing the trail. It checks that each
 * line is a well-formed record but not the hash chain; use {@link AuditVerifier} for that. Not thread-safe.
 */
public final class AuditRecords implements Closeable {

    private final LineReader reader;

    private AuditRecords(LineReader reader) {
        this.reader = reader;
    }

    /**
     * Opens the log in {@code directory} for reading. A directory without a log reads as empty.
     *
     * @throws NoSuchFileException when {@code directory} does not exist
     * @throws NotDirectoryException when {@code directory} is not a directory
     */
    public static AuditRecords open(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "audit directory not found");
        }
        if (!Files.isDirectory(directory)) {
            throw new NotDirectoryException(directory.toString());
        }
        Path file = directory.resolve(FileAuditLog.FILE_NAME);
        if (!Files.exists(file)) {
            return new AuditRecords(new LineReader(InputStream.nullInputStream(), 0));
        }
        return new AuditRecords(new LineReader(Files.newInputStream(file), RecordCodec.MAX_LINE_BYTES));
    }

    /**
     * Returns the next record, or {@code null} after the last one.
     *
     * @throws IOException when the file cannot be read or a line is not a well-formed record; the message names
     *     the line
     */
    public AuditRecord next() throws IOException {
        LineReader.Line line = reader.next();
        if (line == null) {
            return null;
        }
        if (!line.terminated()) {
            throw new IOException(FileAuditLog.FILE_NAME + " line " + line.number() + ": final line is incomplete");
        }
        if (line.bytes() == null) {
            throw new IOException(FileAuditLog.FILE_NAME + " line " + line.number() + ": line is " + line.length()
                    + " bytes long (maximum: " + RecordCodec.MAX_LINE_BYTES + ")");
        }
        try {
            return RecordCodec.decode(line.bytes(), line.hash());
        } catch (RecordFormatException e) {
            throw new IOException(FileAuditLog.FILE_NAME + " line " + line.number() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns the remaining records as a stream that reads lazily; read failures surface as
     * {@link UncheckedIOException}. Closing the stream does not close this reader.
     */
    public Stream<AuditRecord> stream() {
        Iterator<AuditRecord> iterator = new Iterator<>() {
            private AuditRecord pending;

            @Override
            public boolean hasNext() {
                if (pending == null) {
                    pending = readUnchecked();
                }
                return pending != null;
            }

            @Override
            public AuditRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("no more audit records");
                }
                AuditRecord record = pending;
                pending = null;
                return record;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator,
                Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    private AuditRecord readUnchecked() {
        try {
            return next();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
