package dev.agentgateway.audit.internal;

import java.util.Arrays;

/** A growable byte array that JSON and records are written into. Not thread-safe. */
public final class ByteSink {

    private byte[] bytes;
    private int size;

    public ByteSink(int initialCapacity) {
        bytes = new byte[Math.max(16, initialCapacity)];
    }

    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    public void write(byte[] source) {
        write(source, 0, source.length);
    }

    public void write(byte[] source, int offset, int length) {
        ensure(length);
        System.arraycopy(source, offset, bytes, size, length);
        size += length;
    }

    /** Writes the characters of {@code text}, which must all be ASCII. */
    public void writeAscii(String text) {
        int length = text.length();
        ensure(length);
        for (int i = 0; i < length; i++) {
            bytes[size++] = (byte) text.charAt(i);
        }
    }

    /** Writes {@code value} in decimal, with a leading {@code -} when negative. */
    public void writeDecimal(long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                writeAscii(Long.toString(value));
                return;
            }
            write('-');
            value = -value;
        }
        int digits = 1;
        for (long rest = value / 10; rest > 0; rest /= 10) {
            digits++;
        }
        ensure(digits);
        for (int i = size + digits - 1; i >= size; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        size += digits;
    }

    /** Returns the backing array; valid up to {@link #size()} until the next write. */
    public byte[] array() {
        return bytes;
    }

    public int size() {
        return size;
    }

    /** Drops everything after the first {@code newSize} bytes. */
    public void truncate(int newSize) {
        if (newSize < 0 || newSize > size) {
            throw new IndexOutOfBoundsException("size " + newSize + " (expected: 0 to " + size + ")");
        }
        size = newSize;
    }

    public void reset() {
        size = 0;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    private void ensure(int extra) {
        if (size + extra > bytes.length) {
            long capacity = Math.max((long) bytes.length * 2, (long) size + extra);
            if (capacity > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("buffer would exceed " + (Integer.MAX_VALUE - 16) + " bytes");
            }
            bytes = Arrays.copyOf(bytes, (int) capacity);
        }
    }
}
