package dev.agentgateway.audit.internal;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Reads {@code \n}-terminated lines from a stream one at a time, hashing each with SHA-256 as it goes. Only
 * {@code \n} ends a line: a {@code \r} stays part of it. Not thread-safe.
 */
public final class LineReader implements Closeable {

    /**
     * One line without its newline.
     *
     * @param number 1-based line number
     * @param bytes the line's bytes, or {@code null} when it is longer than the reader's maximum
     * @param length length of the line in bytes
     * @param hash lowercase hex SHA-256 of the line's bytes
     * @param terminated whether a {@code \n} ended the line; only the last line of a stream can lack one
     */
    public record Line(long number, byte[] bytes, long length, String hash, boolean terminated) {
    }

    private final InputStream in;
    private final int maxLength;
    private final byte[] buffer = new byte[64 * 1024];
    private final ByteArrayOutputStream lineBytes = new ByteArrayOutputStream(512);
    private final MessageDigest digest = RecordCodec.newSha256();
    private int position;
    private int limit;
    private long lineNumber;

    /** Reads from {@code in}, keeping the bytes of lines up to {@code maxLength} bytes long. */
    public LineReader(InputStream in, int maxLength) {
        this.in = in;
        this.maxLength = maxLength;
    }

    /** Returns the next line, or {@code null} at the end of the stream. */
    public Line next() throws IOException {
        if (position == limit && !fill()) {
            return null;
        }
        lineBytes.reset();
        long length = 0;
        while (true) {
            if (position == limit && !fill()) {
                return finish(length, false);
            }
            int newline = indexOfNewline();
            int end = newline < 0 ? limit : newline;
            int count = end - position;
            digest.update(buffer, position, count);
            if (length + count <= maxLength) {
                lineBytes.write(buffer, position, count);
            }
            length += count;
            position = end;
            if (newline >= 0) {
                position++;
                return finish(length, true);
            }
        }
    }

    private int indexOfNewline() {
        for (int i = position; i < limit; i++) {
            if (buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private boolean fill() throws IOException {
        int read = in.read(buffer);
        position = 0;
        limit = Math.max(read, 0);
        return read > 0;
    }

    private Line finish(long length, boolean terminated) {
        lineNumber++;
        byte[] bytes = length <= maxLength ? lineBytes.toByteArray() : null;
        return new Line(lineNumber, bytes, length, RecordCodec.hex(digest.digest()), terminated);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
