package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.audit.internal.RecordFormatException;
import dev.agentgateway.audit.internal.RegularFiles;
import dev.agentgateway.audit.internal.Segments;
import dev.agentgateway.audit.internal.Segments.Segment;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads the records of an audit log in seq order, across its segment files, and keeps following the log as it
 * grows. {@link #next()} returns {@code null} when no further whole record is available yet; a later call returns
 * records appended since. An incomplete last line is taken as a record still being written and waited for.
 *
 * <p>Each record is decoded strictly (canonical form, known members) and its {@code seq} must match its position,
 * but the hash chain is not checked: {@link AuditVerifier} does that. Not thread-safe.
 *
 * <p>NOTE: a reader opened without a durable-sequence bound (as a reader in another process must be) can return a
 * record as soon as its line is written, before the fsync that makes it durable. When that fsync fails, the writer
 * cuts the line and may later write a different record with the same seq.
 */
public final class AuditRecords implements Closeable {

    private static final int INITIAL_BUFFER_BYTES = 64 * 1024;

    private final Path directory;
    private final long afterSequence;
    private final LongSupplier durableSequence;
    private final MessageDigest digest = RecordCodec.newSha256();

    private Segment segment;
    private FileChannel channel;
    /** Identity of the file {@link #channel} reads, or {@code null} when the file system has none. */
    private Object fileKey;
    /** Seq of the next line in the current segment. */
    private long nextSequence;
    private byte[] buffer = new byte[INITIAL_BUFFER_BYTES];
    /** File offset of {@code buffer[0]}. */
    private long bufferOffset;
    private int start;
    private int end;
    private boolean closed;

    private AuditRecords(Path directory, long afterSequence, LongSupplier durableSequence) {
        this.directory = directory;
        this.afterSequence = afterSequence;
        this.durableSequence = durableSequence;
    }

    /**
     * Opens the log in {@code directory} for reading from its first record. A directory without segments reads
     * as empty until the first one appears.
     *
     * @throws NoSuchFileException when {@code directory} does not exist
     * @throws NotDirectoryException when {@code directory} is not a directory
     * @throws IOException when the directory contains a log of the earlier single-file format
     */
    public static AuditRecords open(Path directory) throws IOException {
        return open(directory, 0);
    }

    /**
     * Opens the log in {@code directory} for reading the records whose seq is greater than {@code afterSequence}.
     * The segment is chosen by file name and earlier lines in it are skipped without being decoded.
     *
     * @throws IllegalArgumentException when {@code afterSequence} is negative
     */
    public static AuditRecords open(Path directory, long afterSequence) throws IOException {
        return open(directory, afterSequence, () -> Long.MAX_VALUE);
    }

    /**
     * Opens the log in {@code directory} for reading the records whose seq is greater than {@code afterSequence}
     * and at most {@code durableSequence}, read anew on each call of {@link #next()}. Readers in the process that
     * writes the log pass {@link AuditLog#lastDurableSequence()}, so they never return a record whose write is
     * not yet durable and could still be cut and replaced after a failed fsync.
     *
     * @throws IllegalArgumentException when {@code afterSequence} is negative
     */
    public static AuditRecords open(Path directory, long afterSequence, LongSupplier durableSequence)
            throws IOException {
        Objects.requireNonNull(durableSequence, "durableSequence");
        if (afterSequence < 0) {
            throw new IllegalArgumentException("afterSequence: " + afterSequence + " (expected: 0 or more)");
        }
        if (!Files.exists(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "audit directory not found");
        }
        if (!Files.isDirectory(directory)) {
            throw new NotDirectoryException(directory.toString());
        }
        Segments.rejectLegacyLog(directory);
        return new AuditRecords(directory, afterSequence, durableSequence);
    }

    /**
     * Returns the next record, or {@code null} when no further whole record is available now. May be called again
     * after returning {@code null}, to follow the log.
     *
     * @throws IOException when a segment cannot be read, a line is not a well-formed record, its seq does not
     *     match its position, or records are missing; the message names the segment file and line
     */
    public AuditRecord next() throws IOException {
        if (closed) {
            throw new IOException("audit record reader is closed");
        }
        long durable = durableSequence.getAsLong();
        while (true) {
            if (segment == null && !openSegment()) {
                return null;
            }
            if (nextSequence > afterSequence && nextSequence > durable) {
                // Bytes read past the durable records may still be cut and rewritten, so they are read again.
                end = start;
                return null;
            }
            int lineEnd = nextLineEnd();
            if (lineEnd < 0) {
                if (finishedSegment() || replacedSegment()) {
                    continue;
                }
                return null;
            }
            long sequence = nextSequence++;
            int lineStart = start;
            start = lineEnd + 1;
            if (sequence > afterSequence) {
                return decode(sequence, Arrays.copyOfRange(buffer, lineStart, lineEnd));
            }
        }
    }

    /** Opens the segment that contains the first record to return, or returns false when the log has no segment yet. */
    private boolean openSegment() throws IOException {
        long first = afterSequence + 1;
        List<Segment> segments = Segments.list(directory);
        Segment chosen = null;
        for (Segment candidate : segments) {
            if (candidate.firstSequence() <= first) {
                chosen = candidate;
            }
        }
        if (chosen == null) {
            if (!segments.isEmpty()) {
                throw new IOException("audit log in " + directory + " starts with " + segments.get(0).fileName()
                        + ": records " + first + " to " + (segments.get(0).firstSequence() - 1) + " are missing");
            }
            return false;
        }
        switchTo(chosen);
        return true;
    }

    private void switchTo(Segment next) throws IOException {
        FileChannel opened = RegularFiles.open(next.path(), "audit segment", Set.of(StandardOpenOption.READ));
        if (channel != null) {
            channel.close();
        }
        channel = opened;
        fileKey = fileKey(next.path());
        segment = next;
        nextSequence = next.firstSequence();
        bufferOffset = 0;
        start = 0;
        end = 0;
    }

    /**
     * Moves to the following segment when one exists; the writer creates it only after the current one is
     * complete. Returns false when there is none yet.
     */
    private boolean finishedSegment() throws IOException {
        if (nextSequence == segment.firstSequence()) {
            return false;
        }
        Segment following = Segments.segment(directory, nextSequence);
        if (Files.notExists(following.path(), LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        if (nextLineEnd() >= 0) {
            return true;
        }
        if (channel.size() > bufferOffset + start) {
            throw new IOException(segment.fileName() + " line " + lineNumber() + ": final line is incomplete"
                    + " although " + following.fileName() + " follows it");
        }
        switchTo(following);
        return true;
    }

    /**
     * Reopens the current segment when its file was replaced, and returns whether it was. The writer deletes a new
     * segment whose first batch failed and creates it again for the next batch, so a reader that opened the
     * deleted file would otherwise wait on it forever.
     */
    private boolean replacedSegment() throws IOException {
        if (fileKey == null) {
            return false;
        }
        Object current;
        try {
            current = fileKey(segment.path());
        } catch (NoSuchFileException e) {
            return false;
        }
        if (fileKey.equals(current)) {
            return false;
        }
        FileChannel opened;
        try {
            opened = RegularFiles.open(segment.path(), "audit segment", Set.of(StandardOpenOption.READ));
        } catch (NoSuchFileException e) {
            return false;
        }
        channel.close();
        channel = opened;
        fileKey = current;
        return true;
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    /**
     * Returns the index of the {@code \n} ending the line at {@code start}, reading more of the file as needed, or
     * -1 when the file has no whole line there yet. An incomplete line is dropped from the buffer and read again
     * next time, because the writer may cut it (after a failed append) and write other bytes in its place.
     */
    private int nextLineEnd() throws IOException {
        int scanned = start;
        while (true) {
            for (int i = scanned; i < end; i++) {
                if (buffer[i] == '\n') {
                    return i;
                }
            }
            if (end - start > RecordCodec.MAX_LINE_BYTES) {
                throw new IOException(segment.fileName() + " line " + lineNumber() + ": line is longer than "
                        + RecordCodec.MAX_LINE_BYTES + " bytes");
            }
            compact();
            scanned = end;
            int read = channel.read(ByteBuffer.wrap(buffer, end, buffer.length - end), bufferOffset + end);
            if (read <= 0) {
                end = start;
                return -1;
            }
            end += read;
        }
    }

    /** Moves the unread bytes to the front of the buffer and grows it when it is full. */
    private void compact() {
        if (start > 0) {
            System.arraycopy(buffer, start, buffer, 0, end - start);
            bufferOffset += start;
            end -= start;
            start = 0;
        }
        if (end == buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.min(buffer.length * 2, RecordCodec.MAX_LINE_BYTES + 2));
        }
    }

    private AuditRecord decode(long sequence, byte[] line) throws IOException {
        long number = sequence - segment.firstSequence() + 1;
        AuditRecord record;
        try {
            record = RecordCodec.decode(line, RecordCodec.hex(digest.digest(line)));
        } catch (RecordFormatException e) {
            throw new IOException(segment.fileName() + " line " + number + ": " + e.getMessage(), e);
        }
        if (record.sequence() != sequence) {
            throw new IOException(segment.fileName() + " line " + number + ": seq is " + record.sequence()
                    + " (expected: " + sequence + ")");
        }
        return record;
    }

    private long lineNumber() {
        return nextSequence - segment.firstSequence() + 1;
    }

    /**
     * Returns the records available now as a stream that reads lazily and ends at the first {@code null} from
     * {@link #next()}; read failures surface as {@link UncheckedIOException}. Closing the stream does not close
     * this reader.
     */
    public Stream<AuditRecord> stream() {
        Iterator<AuditRecord> iterator = new Iterator<>() {
            private AuditRecord pending;
            private boolean ended;

            @Override
            public boolean hasNext() {
                if (pending == null && !ended) {
                    pending = readUnchecked();
                    ended = pending == null;
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
        closed = true;
        if (channel != null) {
            channel.close();
        }
    }
}
