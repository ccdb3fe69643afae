package dev.agentgateway.audit.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, while a log is opened, the times of its records and the records that no checkpoint covers yet.
 *
 * <p>A crash leaves uncovered records behind, but their times lie between the last checkpoint's time and now, and
 * the oldest of them is younger than the checkpoint interval plus a minute when the gateway starts again soon. An
 * uncovered record dated before the last checkpoint was not written by the gateway, so the open stops rather than
 * sign it into the next checkpoint. Older uncovered records mean that checkpoints were removed, or that the
 * gateway crashed and stayed down for long. The open stops then too, unless it was asked to seal them. A record of
 * any seq dated more than {@link #MAX_CLOCK_AHEAD} after now stops the open as well, because the writer would date
 * every later record and checkpoint at that time or after it.
 */
public final class UncoveredRecords {

    /** How far ahead of the clock a record's time may be, for clocks of two hosts that differ a little. */
    public static final Duration MAX_CLOCK_AHEAD = Duration.ofMinutes(1);

    private static final Logger LOG = LoggerFactory.getLogger(UncoveredRecords.class);

    /**
     * The records no checkpoint covered at open.
     *
     * @param firstSequence seq of the first of them
     * @param lastSequence seq of the last of them
     * @param earliestTime earliest time among them
     * @param latestTime latest time among them
     */
    public record Range(long firstSequence, long lastSequence, Instant earliestTime, Instant latestTime) {
    }

    private final Path directory;
    private final long coveredSize;
    private final Instant lastCheckpointTime;
    private final Instant now;
    private final Instant latestAllowed;
    private final Duration maxAge;
    private long first;
    private long last;
    private long earliestSequence;
    private Instant earliestTime;
    private Instant latestTime;

    /**
     * Prepares the checks for the log in {@code directory}, whose checkpoints were read into {@code checkpoints},
     * with "now" from {@code clock}.
     *
     * @param maxAge how old the oldest uncovered record may be, unless the open seals them: the checkpoint
     *     interval plus a minute, the bound {@code audit verify} applies
     */
    public UncoveredRecords(Path directory, CheckpointFile checkpoints, Clock clock, Duration maxAge) {
        this.directory = directory;
        this.coveredSize = checkpoints.lastSize();
        this.lastCheckpointTime = checkpoints.lastTime();
        this.now = clock.instant();
        this.latestAllowed = now.plus(MAX_CLOCK_AHEAD);
        this.maxAge = maxAge;
    }

    /**
     * Checks the time of the record at {@code sequence}, and its place after the last checkpoint unless that
     * checkpoint covers it.
     *
     * @param time the record's time, or {@code null} when it is not a valid record (reported elsewhere)
     * @throws IOException naming the seq when the time is after now plus {@link #MAX_CLOCK_AHEAD}, or the record is
     *     not covered and its time is before the last checkpoint's
     */
    public void check(long sequence, Instant time) throws IOException {
        if (time != null && time.isAfter(latestAllowed)) {
            String message = "audit record seq " + sequence + " in " + directory + " has the time " + time
                    + ", after " + latestAllowed + ", the current time plus " + MAX_CLOCK_AHEAD.toSeconds() + " s:"
                    + " the clock was stepped back or the line was forged. Correct the clock, or run audit verify on "
                    + directory + " and restore the log before starting again";
            throw logged(message);
        }
        if (sequence <= coveredSize) {
            return;
        }
        if (first == 0) {
            first = sequence;
        }
        last = sequence;
        if (time == null) {
            // A crash leaves at most an incomplete last line, which recovery cuts. So a whole line that is not a
            // record was written by another process, and no checkpoint may vouch for it.
            String message = "audit record seq " + sequence + " in " + directory + " is not covered by a checkpoint"
                    + " and is not a valid record, which a crash cannot leave. Run audit verify on " + directory
                    + " and remove the lines after the last checkpoint that the gateway did not write before"
                    + " starting again";
            throw logged(message);
        }
        if (lastCheckpointTime != null && time.isBefore(lastCheckpointTime)) {
            String message = "audit record seq " + sequence + " in " + directory + " is not covered by a checkpoint"
                    + " and its time " + time + " is before " + lastCheckpointTime + ", the time of the last"
                    + " checkpoint (of " + coveredSize + " records). A crash cannot leave such a record, so it was"
                    + " added while the gateway was not running. Run audit verify on " + directory + " and remove"
                    + " the records after the last checkpoint that the gateway did not write before starting again";
            throw logged(message);
        }
        if (earliestTime == null || time.isBefore(earliestTime)) {
            earliestTime = time;
            earliestSequence = sequence;
        }
        if (latestTime == null || time.isAfter(latestTime)) {
            latestTime = time;
        }
    }

    /**
     * Ends the checks once every record was passed to {@link #check}, and logs the uncovered records at warn level.
     *
     * @param seal whether the uncovered records may be older than the bound given at construction, because the
     *     operator checked them and asked to sign them
     * @return the uncovered records, or {@code null} when every record is covered
     * @throws IOException naming the uncovered records and the oldest one's time when it is older than the bound
     *     and {@code seal} is false
     */
    public Range finish(boolean seal) throws IOException {
        if (first == 0) {
            return null;
        }
        Range range = new Range(first, last, earliestTime, latestTime);
        boolean old = earliestTime.plus(maxAge).isBefore(now);
        if (seal) {
            LOG.warn("Sealing audit records {} to {} in {}, dated {} to {}, which no checkpoint covered: the next"
                    + " checkpoint covers them", first, last, directory, earliestTime, latestTime);
        } else if (old) {
            String where = coveredSize == 0
                    ? CheckpointFile.FILE_NAME + " contains no checkpoint"
                    : "the last checkpoint covers " + coveredSize + " records";
            String message = "audit records " + first + " to " + last + " in " + directory + " are not covered by a"
                    + " checkpoint (" + where + "), and the oldest of them, seq " + earliestSequence + ", has the"
                    + " time " + earliestTime + ", more than " + maxAge.toSeconds() + " s (the checkpoint interval"
                    + " plus " + MAX_CLOCK_AHEAD.toSeconds() + " s) before now (" + now + "). The gateway covers its"
                    + " records within the checkpoint interval and when it closes the log, so checkpoints were"
                    + " removed, or the gateway crashed and was not started again for long. Check the records (audit"
                    + " verify, audit tail --since " + earliestTime + ", and the Kafka export when it is configured),"
                    + " then run audit seal to sign them into a checkpoint";
            throw logged(message);
        } else {
            LOG.warn("Audit records {} to {} in {} are not covered by a checkpoint, as happens after a crash; the"
                    + " next checkpoint covers them", first, last, directory);
        }
        return range;
    }

    /** Logs {@code message} at error level and returns it as the exception that stops the open. */
    private static IOException logged(String message) {
        LOG.error(message);
        return new IOException(message);
    }
}
