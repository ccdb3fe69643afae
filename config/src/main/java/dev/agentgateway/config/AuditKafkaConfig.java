package dev.agentgateway.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Export of audit records to a Kafka topic. The local log stays the record of truth; the export follows it.
 *
 * @param bootstrapServers {@code host:port} addresses of the brokers to contact first, at least one
 * @param topic topic the records are published to, keyed by their sequence number
 * @param clientProperties further producer properties (for example {@code security.protocol}, SASL settings),
 *     passed to the Kafka client as given; values may hold secrets, so {@link #toString()} prints names only.
 *     Properties that would weaken delivery ({@code acks}, {@code enable.idempotence}, serializers) are refused by
 *     the loader
 */
public record AuditKafkaConfig(List<String> bootstrapServers, String topic, Map<String, String> clientProperties) {

    /**
     * Producer properties the export sets itself for at-least-once, ordered delivery. A client property of one of
     * these names is rejected, because it could weaken delivery without notice.
     */
    public static final List<String> RESERVED_CLIENT_PROPERTIES = List.of("bootstrap.servers", "acks",
            "enable.idempotence", "key.serializer", "value.serializer", "transactional.id",
            "max.in.flight.requests.per.connection");

    public AuditKafkaConfig {
        bootstrapServers = List.copyOf(bootstrapServers);
        if (bootstrapServers.isEmpty()) {
            throw new IllegalArgumentException("bootstrapServers: empty (expected: at least one host:port)");
        }
        Objects.requireNonNull(topic, "topic");
        clientProperties = Map.copyOf(clientProperties);
        for (String name : RESERVED_CLIENT_PROPERTIES) {
            if (clientProperties.containsKey(name)) {
                throw new IllegalArgumentException("client property rejected: " + name
                        + " (the audit export sets it; remove it from client-properties)");
            }
        }
    }

    @Override
    public String toString() {
        return "AuditKafkaConfig[bootstrapServers=" + bootstrapServers + ", topic=" + topic + ", clientProperties="
                + new TreeMap<>(clientProperties).keySet() + "]";
    }
}
