package dev.agentgateway.bench.internal;

import dev.agentgateway.audit.CommitObserver;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Collects the figures of an audit load run: queue-to-durable latency measured by the senders, and batch sizes
 * and fsync times reported by the log. Recording is safe from any number of threads and never blocks.
 */
public final class CommitStatistics implements CommitObserver {

    private static final int SIGNIFICANT_DIGITS = 3;

    private final Recorder latencyNanos = new Recorder(SIGNIFICANT_DIGITS);
    private final Recorder batchRecords = new Recorder(SIGNIFICANT_DIGITS);
    private final Recorder syncNanos = new Recorder(SIGNIFICANT_DIGITS);
    private final LongAdder durable = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder batchFailures = new LongAdder();

    /** Records one append that became durable {@code nanos} after {@code appendAsync} was called. */
    public void appendDurable(long nanos) {
        durable.increment();
        latencyNanos.recordValue(Math.max(0, nanos));
    }

    /** Records one append whose future failed. */
    public void appendFailed() {
        failed.increment();
    }

    @Override
    public void batchCommitted(int records, long bytes, long syncNanos) {
        batchRecords.recordValue(Math.max(0, records));
        this.syncNanos.recordValue(Math.max(0, syncNanos));
    }

    @Override
    public void batchFailed(int records) {
        batchFailures.increment();
    }

    /** Drops everything recorded so far, so that a warm-up is left out of the figures. */
    public void reset() {
        latencyNanos.reset();
        batchRecords.reset();
        syncNanos.reset();
        durable.reset();
        failed.reset();
        batchFailures.reset();
    }

    public long durable() {
        return durable.sum();
    }

    public long failed() {
        return failed.sum();
    }

    public long batchFailures() {
        return batchFailures.sum();
    }

    /** Returns the latencies recorded so far, in nanoseconds. Call once, after the run. */
    public Histogram latencies() {
        return latencyNanos.getIntervalHistogram();
    }

    /** Returns the batch sizes reported so far. Call once, after the run. */
    public Histogram batches() {
        return batchRecords.getIntervalHistogram();
    }

    /** Returns the fsync times reported so far, in nanoseconds. Call once, after the run. */
    public Histogram syncs() {
        return syncNanos.getIntervalHistogram();
    }
}
