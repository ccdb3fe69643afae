package dev.agentgateway.audit.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Recovery of a log file whose last line was cut short, for example by a crash during a write. */
public final class TornTail {

    private static final Logger LOG = LoggerFactory.getLogger(TornTail.class);
    private static final int CHUNK_BYTES = 8192;

    private TornTail() {
    }

    /**
     * Truncates {@code file} after its last {@code \n}, or to empty when it has none, and logs at warn level how
     * many bytes were cut. Does nothing when the file is empty or ends with {@code \n}.
     *
     * @param channel a channel open for writing on {@code file}, used to truncate it
     * @return the number of bytes cut
     */
    public static long truncate(FileChannel channel, Path file) throws IOException {
        long size = channel.size();
        if (size == 0) {
            return 0;
        }
        long keep;
        try (FileChannel reader = FileChannel.open(file, StandardOpenOption.READ)) {
            keep = endOfLastLine(reader, size);
        }
        if (keep == size) {
            return 0;
        }
        channel.truncate(keep);
        channel.force(true);
        long cut = size - keep;
        LOG.warn("Audit log {} ended in an incomplete line: cut {} bytes, keeping {} bytes of whole records",
                file, cut, keep);
        return cut;
    }

    /** Returns the offset just after the last {@code \n} before {@code size}, or 0 when there is none. */
    private static long endOfLastLine(FileChannel reader, long size) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES);
        long end = size;
        while (end > 0) {
            long start = Math.max(0, end - CHUNK_BYTES);
            chunk.clear().limit((int) (end - start));
            readFully(reader, chunk, start);
            for (int i = chunk.limit() - 1; i >= 0; i--) {
                if (chunk.get(i) == '\n') {
                    return start + i + 1;
                }
            }
            end = start;
        }
        return 0;
    }

    private static void readFully(FileChannel reader, ByteBuffer chunk, long position) throws IOException {
        long offset = position;
        while (chunk.hasRemaining()) {
            int read = reader.read(chunk, offset);
            if (read < 0) {
                throw new IOException("audit log shrank while its last line was being read");
            }
            offset += read;
        }
    }
}
