package dev.agentgateway.gateway.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.audit.CommitObserver;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {

    private final GatewayMetrics metrics = new GatewayMetrics();

    @Test
    void commitObserverFeedsAuditMeters() {
        CommitObserver observer = metrics.auditCommitObserver();

        observer.batchCommitted(3, 900, TimeUnit.MILLISECONDS.toNanos(2));
        observer.recordCommitted(TimeUnit.MILLISECONDS.toNanos(4));
        observer.checkpointWritten(42);

        String scrape = metrics.scrape();
        assertThat(scrape).contains("gateway_audit_batch_records_count 1")
                .contains("gateway_audit_batch_records_sum 3.0")
                .contains("gateway_audit_commit_seconds_count 1")
                .contains("gateway_audit_commit_seconds_bucket{le=")
                .contains("gateway_audit_checkpoint_size 42.0");
    }

    @Test
    void writabilityGauge() {
        metrics.auditWritability(() -> false);

        assertThat(metrics.scrape()).contains("gateway_audit_writable 0.0");
    }

    @Test
    void exportGauges() {
        metrics.auditExport(() -> 7, () -> 35, () -> true);

        assertThat(metrics.scrape()).contains("gateway_audit_export_lag_records 7.0")
                .contains("gateway_audit_export_acknowledged_sequence 35.0")
                .contains("gateway_audit_export_connected 1.0");
    }
}
