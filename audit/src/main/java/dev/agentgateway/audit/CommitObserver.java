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
     * A batch of {@code records} records, {@code bytes} bytes in all, was written and made durable with one
     * fsync that took {@code syncNanos}.
     */
    default void batchCommitted(int records, long bytes, long syncNanos) {
    }

    /** One record became durable {@code latencyNanos} after it was queued. */
    default void recordCommitted(long latencyNanos) {
    }

    /** A batch failed and its {@code records} records were refused. */
    default void batchFailed(int records) {
    }

    /**
     * A signed checkpoint covering the first {@code treeSize} records was made durable. Also called once when the
     * log opens, with the last checkpoint found on disk, so a gauge shows it before the next checkpoint.
     */
    default void checkpointWritten(long treeSize) {
    }
}
