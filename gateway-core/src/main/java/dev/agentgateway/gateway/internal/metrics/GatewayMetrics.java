package dev.agentgateway.gateway.internal.metrics;

import dev.agentgateway.audit.CommitObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/** The gateway's meters, exposed in the Prometheus text format on the admin listener. Thread-safe. */
public final class GatewayMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AuditCommitMetrics auditCommits = new AuditCommitMetrics(registry);

    /** Counts one request that got a response. {@code route} is a tool name or the name of a gateway endpoint. */
    public void requestAnswered(String route, int status) {
        Counter.builder("gateway.requests")
                .description("Requests answered on the agent listener")
                .tag("route", route)
                .tag("status", Integer.toString(status))
                .register(registry)
                .increment();
    }

    /** Counts one denied tool call or token request by the authority it lacked. */
    public void denied(String missingAuthority) {
        Counter.builder("gateway.denials")
                .description("Denied calls by missing authority")
                .tag("missing_authority", missingAuthority)
                .register(registry)
                .increment();
    }

    /** Counts one audit record that could not be made durable; {@code recordType} is its wire name. */
    public void auditFailure(String recordType) {
        Counter.builder("gateway.audit.failures")
                .description("Audit records that could not be made durable")
                .tag("type", recordType)
                .register(registry)
                .increment();
    }

    /** Counts a request to an authenticated admin endpoint rejected with 401, by endpoint path. */
    public void adminUnauthorized(String endpoint) {
        Counter.builder("gateway.admin.unauthorized")
                .description("Admin requests rejected for a missing or invalid credential")
                .tag("endpoint", endpoint)
                .register(registry)
                .increment();
    }

    /** Records the time from sending a request upstream to receiving the end of its response. */
    public void upstreamLatency(String route, Duration duration) {
        Timer.builder("gateway.upstream.latency")
                .description("Time from forwarding a call to the end of the backend's response")
                .tag("route", route)
                .register(registry)
                .record(duration);
    }

    /** Counts one call sent again on a new connection because the reused backend connection closed first. */
    public void upstreamRetry(String route) {
        Counter.builder("gateway.upstream.retries")
                .description("Calls sent again on a new connection after a reused backend connection closed")
                .tag("route", route)
                .register(registry)
                .increment();
    }

    /**
     * Counts one request rejected with 503 because its DPoP proof could not be checked against the shared replay
     * cache. {@code route} is a tool name or the name of a gateway endpoint.
     */
    public void replayCacheUnavailable(String route) {
        Counter.builder("gateway.replay.cache.unavailable")
                .description("Requests rejected because the DPoP replay cache could not be reached")
                .tag("route", route)
                .register(registry)
                .increment();
    }

    /**
     * Counts one request rejected with 503 because the authentication executor's queue was full. {@code route} is
     * a tool name.
     */
    public void authenticationOverloaded(String route) {
        Counter.builder("gateway.authentication.overloaded")
                .description("Requests rejected because too many credentials were waiting for verification")
                .tag("route", route)
                .register(registry)
                .increment();
    }

    /** Registers a gauge that is 1 while {@code available} returns true and 0 otherwise. */
    public void replayCacheAvailability(BooleanSupplier available) {
        Gauge.builder("gateway.replay.cache.available", available, supplier -> supplier.getAsBoolean() ? 1 : 0)
                .description("Whether the DPoP replay cache can be reached (1) or not (0)")
                .strongReference(true)
                .register(registry);
    }

    /**
     * Returns the observer that the audit log reports its group commits to: queue-to-durable latency per record,
     * records per fsync and the size of the last checkpoint.
     */
    public CommitObserver auditCommitObserver() {
        return auditCommits;
    }

    /** Registers a gauge that is 1 while audit appends succeed and 0 while they fail. */
    public void auditWritability(BooleanSupplier writable) {
        Gauge.builder("gateway.audit.writable", writable, supplier -> supplier.getAsBoolean() ? 1 : 0)
                .description("Whether audit appends succeed (1) or fail, so calls fail closed (0)")
                .strongReference(true)
                .register(registry);
    }

    /**
     * Registers the gauges of the Kafka export of the audit log.
     *
     * @param lag records durable in the log but not yet acknowledged by Kafka
     * @param acknowledgedSequence last sequence number of the contiguous acknowledged prefix
     * @param connected whether the producer reaches the brokers
     */
    public void auditExport(LongSupplier lag, LongSupplier acknowledgedSequence, BooleanSupplier connected) {
        Gauge.builder("gateway.audit.export.lag.records", lag, LongSupplier::getAsLong)
                .description("Audit records durable locally but not yet acknowledged by Kafka")
                .strongReference(true)
                .register(registry);
        Gauge.builder("gateway.audit.export.acknowledged.sequence", acknowledgedSequence, LongSupplier::getAsLong)
                .description("Sequence number up to which Kafka acknowledged every audit record")
                .strongReference(true)
                .register(registry);
        Gauge.builder("gateway.audit.export.connected", connected, supplier -> supplier.getAsBoolean() ? 1 : 0)
                .description("Whether the audit export reaches Kafka (1) or not (0)")
                .strongReference(true)
                .register(registry);
    }

    /** Returns every meter in the Prometheus text exposition format. */
    public String scrape() {
        return registry.scrape();
    }
}
