package dev.agentgateway.audit.internal.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentgateway.config.AuditKafkaConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.api.Test;

class ProducerSettingsTest {

    static final List<String> RESERVED = AuditKafkaConfig.RESERVED_CLIENT_PROPERTIES;

    @Test
    void deliveryGuaranteesAreFixed() {
        Map<String, Object> properties = ProducerSettings.of(
                new AuditKafkaConfig(List.of("127.0.0.1:9092", "127.0.0.1:9093"), "audit", Map.of()));

        assertThat(properties)
                .containsEntry("bootstrap.servers", "127.0.0.1:9092,127.0.0.1:9093")
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", true)
                .containsEntry("max.in.flight.requests.per.connection", 5)
                .containsEntry("delivery.timeout.ms", 30_000)
                .doesNotContainKey("transactional.id");
    }

    @Test
    void configuredPropertiesOverrideDefaults() {
        Map<String, Object> properties = ProducerSettings.of(new AuditKafkaConfig(List.of("127.0.0.1:9092"), "audit",
                Map.of("delivery.timeout.ms", "5000", "security.protocol", "SSL")));

        assertThat(properties)
                .containsEntry("delivery.timeout.ms", "5000")
                .containsEntry("security.protocol", "SSL");
        assertThat(ProducerSettings.maxBlock(properties).toMillis()).isEqualTo(10_000);
    }

    @ParameterizedTest
    @FieldSource("RESERVED")
    void reservedPropertyRejected(String name) {
        assertThatThrownBy(() -> new AuditKafkaConfig(List.of("127.0.0.1:9092"), "audit", Map.of(name, "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(name);
    }

    @ParameterizedTest
    @FieldSource("RESERVED")
    void reservedNameIsProducerProperty(String name) {
        assertThat(org.apache.kafka.clients.producer.ProducerConfig.configNames()).contains(name);
    }
}
