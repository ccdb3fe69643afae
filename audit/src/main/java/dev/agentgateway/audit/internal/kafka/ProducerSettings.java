package dev.agentgateway.audit.internal.kafka;

import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.config.AuditKafkaConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Producer properties of the audit export: bounded defaults, the configured properties, then the fixed ones. */
public final class ProducerSettings {

    /** Default time a send may take, retries included, before it counts as failed (Kafka's default: 120 s). */
    static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    /** Default time one request may wait for its response (Kafka's default: 30 s). */
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Default time {@code send} may wait for topic metadata or buffer space (Kafka's default: 60 s). */
    static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(10);
    /** Room for the key, headers and batch framing around the largest record. */
    private static final int REQUEST_OVERHEAD_BYTES = 64 * 1024;

    private ProducerSettings() {
    }

    /**
     * Returns the producer properties for {@code config}.
     *
     * The config record rejects client properties named in {@link AuditKafkaConfig#RESERVED_CLIENT_PROPERTIES}, and
     * the delivery settings among them are written after the client properties as well.
     */
    public static Map<String, Object> of(AuditKafkaConfig config) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(ProducerConfig.CLIENT_ID_CONFIG, "agent-gateway-audit-export");
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DEFAULT_DELIVERY_TIMEOUT.toMillis());
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) DEFAULT_REQUEST_TIMEOUT.toMillis());
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, DEFAULT_MAX_BLOCK.toMillis());
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        properties.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, RecordCodec.MAX_LINE_BYTES + REQUEST_OVERHEAD_BYTES);
        properties.putAll(config.clientProperties());

        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", config.bootstrapServers()));
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return properties;
    }

    /** Returns {@code max.block.ms} as configured in {@code properties}. */
    public static Duration maxBlock(Map<String, Object> properties) {
        return Duration.ofMillis(Long.parseLong(properties.get(ProducerConfig.MAX_BLOCK_MS_CONFIG).toString()));
    }
}
