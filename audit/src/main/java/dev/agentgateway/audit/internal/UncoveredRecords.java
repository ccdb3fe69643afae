package dev.agentgateway.audit.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, while a log is opened, the records that no checkpoint covers yet. A crash leaves such records behind
 * normally, but their times lie between the last checkpoint's time and now. A record outside that range was not
 * written by the gateway before a crash, so the open stops rather than sign it into the next checkpoint.
 */
public final class UncoveredRecords {

    /** How far ahead of the clock an uncovered record's time may be, for clocks of two hosts that differ a little. */
    public static final Duration MAX_CLOCK_AHEAD = Duration.ofMinutes(1);

    private static final Logger LOG = LoggerFactory.getLogger(UncoveredRecords.class);

    private final Path directory;
    private final long coveredSize;
    private final Instant lastCheckpointTime;
    private final Instant latestAllowed;
    private long first;
    private long last;

    /**
     * Prepares the checks for the log in {@code directory}, whose checkpoints were read into {@code checkpoints},
     * with "now" from {@code clock}.
     */
    public UncoveredRecords(Path directory, CheckpointFile checkpoints, Clock clock) {
        this.directory = directory;
        this.coveredSize = checkpoints.lastSize();
        this.lastCheckpointTime = checkpoints.lastTime();
        this.latestAllowed = clock.instant().plus(MAX_CLOCK_AHEAD);
    }

    /**
     * Checks the record at {@code sequence}, unless the last checkpoint covers it.
     *
     * @param time the record's time, or {@code null} when it is not a valid record (reported elsewhere)
     * @throws IOException naming the seq when the time is before the last checkpoint's or after now plus
     *     {@link #MAX_CLOCK_AHEAD}
     */
    public void check(long sequence, Instant time) throws IOException {
        if (sequence <= coveredSize) {
            return;
        }
        if (first == 0) {
            first = sequence;
        }
        last = sequence;
        if (time == null) {
            return;
        }
        if (lastCheckpointTime != null && time.isBefore(lastCheckpointTime)) {
            reject(sequence, "time " + time + " is before " + lastCheckpointTime + ", the time of the last checkpoint"
                    + " (of " + coveredSize + " records)");
        }
        if (time.isAfter(latestAllowed)) {
            reject(sequence, "time " + time + " is after " + latestAllowed + ", the current time plus "
                    + MAX_CLOCK_AHEAD.toSeconds() + " s");
        }
    }

    private void reject(long sequence, String problem) throws IOException {
        String message = "audit record seq " + sequence + " in " + directory + " is not covered by a checkpoint and"
                + " its " + problem + ". A crash cannot leave such a record, so it was added while the gateway was"
                + " not running. Run audit verify on " + directory + " and remove the records after the last"
                + " checkpoint that the gateway did not write before starting again";
        LOG.error(message);
        throw new IOException(message);
    }

    /** Logs the range of records not covered by a checkpoint at warn level, when there are any. */
    public void report() {
        if (first == 0) {
            return;
        }
        LOG.warn("Audit records {} to {} in {} are not covered by a checkpoint, as happens after a crash; the next"
                + " checkpoint covers them", first, last, directory);
    }
}
