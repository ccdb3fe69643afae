package dev.agentgateway.audit;

/**
 * Receives the figures of each group commit, for metrics. Called on the log's writer thread, so implementations
 * must return quickly and never block.
 */
public interface CommitObserver {

    /** An observer that ignores everything. */
    CommitObserver NONE = new CommitObserver() {
    };

    /**
     * Reports a batch of {@code records} records, {@code bytes} bytes in all, that was written and made durable
     * with one fsync taking {@code syncNanos}.
     */
    default void batchCommitted(int records, long bytes, long syncNanos) {
    }

    /** Reports one record that became durable {@code latencyNanos} after it was queued. */
    default void recordCommitted(long latencyNanos) {
    }

    /** Reports a failed batch, whose {@code records} records were rejected. */
    default void batchFailed(int records) {
    }

    /**
     * Reports a signed checkpoint, covering the first {@code treeSize} records, that was made durable. Also called
     * once when the log opens, with the last checkpoint found on disk, so a gauge shows it before the next one.
     */
    default void checkpointWritten(long treeSize) {
    }
}
