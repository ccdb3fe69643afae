package dev.agentgateway.audit.internal.kafka;

import java.util.TreeSet;

/**
 * Records sent to Kafka and not yet acknowledged. Sends complete in any order (records of different partitions),
 * but the acknowledged sequence number only advances over a contiguous prefix of acknowledged sends, so every
 * record up to it is known to be in Kafka. Thread-safe: the export thread sends, the producer's I/O thread
 * completes.
 */
final class AcknowledgementWindow {

    private final TreeSet<Long> acknowledgedAhead = new TreeSet<>();
    private long acknowledged;
    private long lastSent;
    private int inFlight;
    private long bytesInFlight;
    private Exception failure;
    private long failedSends;
    private long successfulSends;

    AcknowledgementWindow(long acknowledged) {
        this.acknowledged = acknowledged;
        this.lastSent = acknowledged;
    }

    /** Notes that record {@code sequence}, {@code bytes} long, was handed to the producer. */
    synchronized void sent(long sequence, int bytes) {
        if (sequence != lastSent + 1) {
            throw new IllegalStateException("sent seq " + sequence + " (expected: " + (lastSent + 1) + ")");
        }
        lastSent = sequence;
        inFlight++;
        bytesInFlight += bytes;
    }

    /** Notes that the send of record {@code sequence} completed, with {@code error} {@code null} on success. */
    synchronized void completed(long sequence, int bytes, Exception error) {
        inFlight--;
        bytesInFlight -= bytes;
        if (error != null) {
            failedSends++;
            if (failure == null) {
                failure = error;
            }
            return;
        }
        successfulSends++;
        if (sequence <= acknowledged) {
            return;
        }
        acknowledgedAhead.add(sequence);
        while (!acknowledgedAhead.isEmpty() && acknowledgedAhead.first() == acknowledged + 1) {
            acknowledged = acknowledgedAhead.pollFirst();
        }
    }

    synchronized long acknowledged() {
        return acknowledged;
    }

    synchronized long lastSent() {
        return lastSent;
    }

    synchronized int inFlight() {
        return inFlight;
    }

    synchronized long bytesInFlight() {
        return bytesInFlight;
    }

    /** Returns the first failure since the last {@link #rewind}, or {@code null}. */
    synchronized Exception failure() {
        return failure;
    }

    synchronized long failedSends() {
        return failedSends;
    }

    synchronized long successfulSends() {
        return successfulSends;
    }

    /**
     * Forgets the failure and every send after the acknowledged prefix, so sending starts again after
     * {@link #acknowledged()}. Records acknowledged beyond a gap are sent again: Kafka then holds them twice.
     *
     * @throws IllegalStateException when sends are still in flight, whose completions would be misread
     */
    synchronized void rewind() {
        if (inFlight != 0) {
            throw new IllegalStateException(inFlight + " sends still in flight (expected: none before a rewind)");
        }
        acknowledgedAhead.clear();
        lastSent = acknowledged;
        failure = null;
    }
}
