package dev.agentgateway.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/** A file channel that passes everything to a real one, except for the fault it is set to raise. */
final class FaultyChannel extends FileChannel {

    enum Fault {
        NONE,
        /** Writes half of the buffer, then throws. */
        PARTIAL_WRITE,
        /** Writes the whole buffer, then fails the following force. */
        FAILED_FORCE,
        /**
         * Behaves like a full disk: a write stores part of the buffer and returns the count without an error, and
         * the write after it throws "No space left on device".
         */
        DISK_FULL,
        /** Fails to open the file. */
        FAILED_OPEN
    }

    /** The fault shared by every channel one opener returns, so it also applies after the log reopens a file. */
    static final class Faults {
        private volatile Fault fault = Fault.NONE;
        private final AtomicInteger opened = new AtomicInteger();

        void set(Fault value) {
            fault = value;
        }

        Fault get() {
            return fault;
        }

        /** Returns how many channels were opened. */
        int opened() {
            return opened.get();
        }

        FileAuditLog.ChannelOpener opener() {
            return file -> {
                if (fault == Fault.FAILED_OPEN) {
                    throw new IOException("simulated open failure for " + file.getFileName());
                }
                opened.incrementAndGet();
                return new FaultyChannel(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND), this);
            };
        }
    }

    private final FileChannel delegate;
    private final Faults faults;
    private boolean diskFullStarted;

    private FaultyChannel(FileChannel delegate, Faults faults) {
        this.delegate = delegate;
        this.faults = faults;
    }

    static FaultyChannel openAppend(Path file) throws IOException {
        return new FaultyChannel(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), new Faults());
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        Fault fault = faults.get();
        if (fault == Fault.DISK_FULL) {
            if (diskFullStarted) {
                throw new IOException("No space left on device (simulated)");
            }
            diskFullStarted = true;
            ByteBuffer part = src.slice();
            part.limit(Math.max(1, src.remaining() / 3));
            int written = delegate.write(part);
            src.position(src.position() + written);
            return written;
        }
        if (fault != Fault.PARTIAL_WRITE) {
            return delegate.write(src);
        }
        ByteBuffer half = src.slice();
        half.limit(src.remaining() / 2);
        int written = delegate.write(half);
        src.position(src.position() + written);
        throw new IOException("simulated write failure after " + written + " bytes");
    }

    @Override
    public void force(boolean metaData) throws IOException {
        if (faults.get() == Fault.FAILED_FORCE) {
            throw new IOException("simulated fsync failure");
        }
        delegate.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long written = 0;
        for (int i = offset; i < offset + length; i++) {
            written += write(srcs[i]);
        }
        return written;
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        delegate.truncate(size);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        return delegate.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        throw new IOException("positional writes are not expected from the audit log");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }
}
