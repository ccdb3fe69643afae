package dev.agentgateway.gateway.internal.metrics;

import dev.agentgateway.audit.CommitObserver;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Feeds the audit log's group commit figures into meters. The log calls it on its writer thread; each call only
 * updates lock-free meters and returns.
 */
final class AuditCommitMetrics implements CommitObserver {

    private final Timer commitLatency;
    private final DistributionSummary batchRecords;
    private final AtomicLong checkpointSize = new AtomicLong();

    AuditCommitMetrics(MeterRegistry registry) {
        commitLatency = Timer.builder("gateway.audit.commit")
                .description("Time from queueing an audit record to its fsync completing")
                .publishPercentileHistogram()
                .register(registry);
        batchRecords = DistributionSummary.builder("gateway.audit.batch.records")
                .description("Audit records made durable by one fsync")
                .register(registry);
        Gauge.builder("gateway.audit.checkpoint.size", checkpointSize, AtomicLong::get)
                .description("Records covered by the last signed audit checkpoint (its tree size)")
                .register(registry);
    }

    @Override
    public void batchCommitted(int records, long bytes, long syncNanos) {
        batchRecords.record(records);
    }

    @Override
    public void recordCommitted(long latencyNanos) {
        commitLatency.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void checkpointWritten(long treeSize) {
        checkpointSize.set(treeSize);
    }
}
