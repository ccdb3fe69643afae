package dev.agentgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AuditConfigTest {

    /** Lines 1 to 5; the audit keys start on line 6. */
    private static final String PREFIX = """
            routes:
              - tool: ops
                path-prefix: /tools/ops/
                backend: http://127.0.0.1:8091/
            audit:
            """;
    private static final String KAFKA = "  kafka:\n    bootstrap-servers: [127.0.0.1:9092]\n    topic: audit\n";

    @TempDir
    Path directory;

    private AuditConfig load(String keys) throws ConfigException {
        return ConfigLoaderTest.loadYaml(PREFIX + keys, directory).audit();
    }

    @Test
    void absentUsesDefaults() throws ConfigException {
        AuditConfig audit = ConfigLoaderTest.loadYaml(PREFIX.replace("audit:\n", ""), directory).audit();

        Path expectedDirectory = directory.resolve("agent-gateway-data/audit");
        assertThat(audit).isEqualTo(new AuditConfig(expectedDirectory));
        assertThat(audit.signingKey())
                .isEqualTo(new SigningKeyConfig(directory.resolve("agent-gateway-data/audit-key.jwk"), "EdDSA"));
        assertThat(audit.kafka()).isNull();
    }

    @Test
    void emptyMappingUsesDefaults() throws ConfigException {
        AuditConfig audit = ConfigLoaderTest.loadYaml(PREFIX.replace("audit:\n", "audit: {}\n"), directory).audit();

        assertThat(audit.segmentMaxBytes()).isEqualTo(64L << 20);
        assertThat(audit.segmentMaxAge()).isEqualTo(Duration.ofHours(24));
        assertThat(audit.checkpointEveryRecords()).isEqualTo(10_000);
        assertThat(audit.checkpointInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(audit.maxPendingRecords()).isEqualTo(65_536);
        assertThat(audit.kafka()).isNull();
    }

    @Test
    void allKeys() throws ConfigException {
        AuditConfig audit = load("""
                  directory: logs/audit
                  segment-max-bytes: 1048576
                  segment-max-age: 6h
                  checkpoint-every-records: 500
                  checkpoint-interval: 250ms
                  max-pending-records: 1024
                  signing-key:
                    path: keys/audit.jwk
                    algorithm: ES256
                """);

        assertThat(audit).isEqualTo(new AuditConfig(directory.resolve("logs/audit"), 1_048_576, Duration.ofHours(6),
                500, Duration.ofMillis(250), new SigningKeyConfig(directory.resolve("keys/audit.jwk"), "ES256"),
                1024, null));
    }

    @Test
    void keyDefaultsBesideDirectory() throws ConfigException {
        AuditConfig audit = load("  directory: /var/lib/gw/audit\n");

        assertThat(audit.signingKey()).isEqualTo(new SigningKeyConfig(Path.of("/var/lib/gw/audit-key.jwk"), "EdDSA"));
    }

    @Test
    void keyAlgorithmAloneKeepsDefaultPath() throws ConfigException {
        AuditConfig audit = load("  signing-key: {algorithm: ES256}\n");

        assertThat(audit.signingKey())
                .isEqualTo(new SigningKeyConfig(directory.resolve("agent-gateway-data/audit-key.jwk"), "ES256"));
    }

    @Test
    void rangeEdgesAccepted() throws ConfigException {
        AuditConfig low = load("""
                  segment-max-bytes: 4096
                  segment-max-age: 1m
                  checkpoint-every-records: 1
                  checkpoint-interval: 10ms
                  max-pending-records: 1
                """);
        AuditConfig high = load("""
                  segment-max-bytes: 1099511627776
                  segment-max-age: 720h
                  checkpoint-every-records: 10000000
                  checkpoint-interval: 1h
                  max-pending-records: 10000000
                """);

        assertThat(low.segmentMaxBytes()).isEqualTo(4096);
        assertThat(low.segmentMaxAge()).isEqualTo(Duration.ofMinutes(1));
        assertThat(low.checkpointEveryRecords()).isEqualTo(1);
        assertThat(low.checkpointInterval()).isEqualTo(Duration.ofMillis(10));
        assertThat(low.maxPendingRecords()).isEqualTo(1);
        assertThat(high.segmentMaxBytes()).isEqualTo(1L << 40);
        assertThat(high.segmentMaxAge()).isEqualTo(Duration.ofDays(30));
        assertThat(high.checkpointEveryRecords()).isEqualTo(10_000_000);
        assertThat(high.checkpointInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(high.maxPendingRecords()).isEqualTo(10_000_000);
    }

    @Test
    void segmentAgeAsIsoDuration() throws ConfigException {
        assertThat(load("  segment-max-age: P30D\n").segmentMaxAge()).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void kafkaMinimal() throws ConfigException {
        AuditKafkaConfig kafka = load(KAFKA).kafka();

        assertThat(kafka).isEqualTo(new AuditKafkaConfig(List.of("127.0.0.1:9092"), "audit", Map.of()));
    }

    @Test
    void kafkaAllKeys() throws ConfigException {
        AuditKafkaConfig kafka = load("""
                  kafka:
                    bootstrap-servers: [kafka-1.internal:9093, "[::1]:9094"]
                    topic: agent-gateway.audit_v1
                    client-properties:
                      security.protocol: SASL_SSL
                      sasl.jaas.config: "org.example.Login required password=\\"kafka-pass-42\\";"
                      linger.ms: 5
                      ssl.endpoint.identification.algorithm: ""
                """).kafka();

        assertThat(kafka.bootstrapServers()).containsExactly("kafka-1.internal:9093", "[::1]:9094");
        assertThat(kafka.topic()).isEqualTo("agent-gateway.audit_v1");
        assertThat(kafka.clientProperties()).containsOnly(
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.jaas.config", "org.example.Login required password=\"kafka-pass-42\";"),
                Map.entry("linger.ms", "5"),
                Map.entry("ssl.endpoint.identification.algorithm", ""));
        assertThat(kafka.toString()).doesNotContain("kafka-pass-42");
    }

    @Test
    void kafkaSingleServerString() throws ConfigException {
        AuditKafkaConfig kafka = load("  kafka:\n    bootstrap-servers: broker:9092\n    topic: t\n").kafka();

        assertThat(kafka.bootstrapServers()).containsExactly("broker:9092");
    }

    @Test
    void kafkaTopicLengthEdge() throws ConfigException {
        String topic = "t".repeat(249);

        assertThat(load(KAFKA.replace("topic: audit", "topic: " + topic)).kafka().topic()).isEqualTo(topic);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("  segment-max-bytes: 4095\n", "gateway.yaml:6: audit.segment-max-bytes: \"4095\" is out"
                        + " of range (expected: a whole number in 4096..1099511627776)"),
                Arguments.of("  segment-max-bytes: 1099511627777\n", "gateway.yaml:6: audit.segment-max-bytes:"
                        + " \"1099511627777\" is out of range (expected: a whole number in 4096..1099511627776)"),
                Arguments.of("  segment-max-bytes: 64MiB\n", "gateway.yaml:6: audit.segment-max-bytes: \"64MiB\" is"
                        + " not a whole number (expected: a whole number in 4096..1099511627776)"),
                Arguments.of("  segment-max-age: 59s\n", "gateway.yaml:6: audit.segment-max-age: \"59s\" is out of"
                        + " range (expected: 60s..720h)"),
                Arguments.of("  segment-max-age: 721h\n", "gateway.yaml:6: audit.segment-max-age: \"721h\" is out of"
                        + " range (expected: 60s..720h)"),
                Arguments.of("  segment-max-age: 1d\n", "gateway.yaml:6: audit.segment-max-age: \"1d\" is not a"
                        + " duration (expected: a duration such as 250ms, 5s, 10m, 12h or PT5M)"),
                Arguments.of("  checkpoint-every-records: 0\n", "gateway.yaml:6: audit.checkpoint-every-records:"
                        + " \"0\" is out of range (expected: a whole number in 1..10000000)"),
                Arguments.of("  checkpoint-every-records: 10000001\n", "gateway.yaml:6:"
                        + " audit.checkpoint-every-records: \"10000001\" is out of range (expected: a whole number in"
                        + " 1..10000000)"),
                Arguments.of("  checkpoint-interval: 9ms\n", "gateway.yaml:6: audit.checkpoint-interval: \"9ms\" is"
                        + " out of range (expected: 10ms..1h)"),
                Arguments.of("  checkpoint-interval: 61m\n", "gateway.yaml:6: audit.checkpoint-interval: \"61m\" is"
                        + " out of range (expected: 10ms..1h)"),
                Arguments.of("  max-pending-records: 0\n", "gateway.yaml:6: audit.max-pending-records: \"0\" is out"
                        + " of range (expected: a whole number in 1..10000000)"),
                Arguments.of("  max-pending-records: 10000001\n", "gateway.yaml:6: audit.max-pending-records:"
                        + " \"10000001\" is out of range (expected: a whole number in 1..10000000)"),
                Arguments.of("  max-pending-records: -1\n", "gateway.yaml:6: audit.max-pending-records: \"-1\" is"
                        + " not a whole number (expected: a whole number in 1..10000000)"),
                Arguments.of("  segments: 3\n", "gateway.yaml:6: audit.segments: unknown key (expected: one of"
                        + " directory, segment-max-bytes, segment-max-age, checkpoint-every-records,"
                        + " checkpoint-interval, max-pending-records, signing-key, kafka)"),
                Arguments.of("  signing-key: {algorithm: RS256}\n", "gateway.yaml:6: audit.signing-key.algorithm:"
                        + " \"RS256\" is not a supported audit key algorithm (expected: EdDSA or ES256)"),
                Arguments.of("  signing-key: {file: k.jwk}\n", "gateway.yaml:6: audit.signing-key.file: unknown"
                        + " key (expected: one of path, algorithm)"),
                Arguments.of("  signing-key: k.jwk\n", "gateway.yaml:6: audit.signing-key: is a string"
                        + " (expected: a mapping with keys path, algorithm)"),
                Arguments.of("  signing-key:\n    path: \"\"\n", "gateway.yaml:7: audit.signing-key.path: is empty"
                        + " (expected: a file system path)"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void rejects(String keys, String message) {
        assertThatThrownBy(() -> load(keys)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void keySharedWithTokenKeyRejected() {
        String yaml = PREFIX.replace("audit:\n", "signing-key: {path: keys/gateway.jwk}\naudit:\n")
                + "  signing-key:\n    path: keys/../keys/gateway.jwk\n";

        assertThatThrownBy(() -> ConfigLoaderTest.loadYaml(yaml, directory))
                .isInstanceOf(ConfigException.class)
                .hasMessage("gateway.yaml:8: audit.signing-key.path: \"" + directory.resolve("keys/gateway.jwk")
                        + "\" is the token signing key (signing-key.path) (expected: different files for the audit"
                        + " key and the token signing key)");
    }

    @Test
    void tokenKeyAtAuditDefaultRejected() {
        String yaml = PREFIX.replace("audit:\n", "signing-key:\n  path: data/audit-key.jwk\naudit:\n")
                + "  directory: data/audit\n";

        assertThatThrownBy(() -> ConfigLoaderTest.loadYaml(yaml, directory))
                .isInstanceOf(ConfigException.class)
                .hasMessage("gateway.yaml:6: signing-key.path: \"" + directory.resolve("data/audit-key.jwk")
                        + "\" is the default audit key path (audit.signing-key.path) (expected: different files for"
                        + " the audit key and the token signing key)");
    }

    @Test
    void tokenKeyAtDefaultAuditKeyWithoutSection() {
        String yaml = PREFIX.replace("audit:\n", "signing-key: {path: agent-gateway-data/audit-key.jwk}\n");

        assertThatThrownBy(() -> ConfigLoaderTest.loadYaml(yaml, directory))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gateway.yaml:5: signing-key.path: ")
                .hasMessageContaining("is the default audit key path");
    }

    static Stream<Arguments> invalidKafka() {
        String form = "(expected: host:port with port 1..65535, for example 127.0.0.1:9092)";
        String topicForm = "(expected: 1 to 249 characters of A-Z, a-z, 0-9, '.', '_' and '-', not . or ..)";
        return Stream.of(
                Arguments.of("  kafka:\n    topic: t\n", "gateway.yaml:7: audit.kafka.bootstrap-servers: missing"
                        + " (expected: a list of broker addresses host:port, at least one)"),
                Arguments.of("  kafka:\n    bootstrap-servers: []\n    topic: t\n", "gateway.yaml:7:"
                        + " audit.kafka.bootstrap-servers: is an empty list (expected: a list of broker addresses"
                        + " host:port, at least one)"),
                Arguments.of("  kafka:\n    bootstrap-servers: [broker]\n    topic: t\n", "gateway.yaml:7:"
                        + " audit.kafka.bootstrap-servers[0]: \"broker\" is not a broker address " + form),
                Arguments.of("  kafka:\n    bootstrap-servers: [b:9092, \"b:0\"]\n    topic: t\n", "gateway.yaml:7:"
                        + " audit.kafka.bootstrap-servers[1]: port 0 is out of range (expected: 1..65535)"),
                Arguments.of("  kafka:\n    bootstrap-servers: [b:65536]\n    topic: t\n", "gateway.yaml:7:"
                        + " audit.kafka.bootstrap-servers[0]: port 65536 is out of range (expected: 1..65535)"),
                Arguments.of("  kafka:\n    bootstrap-servers: [\"[::g]:9092\"]\n    topic: t\n", "gateway.yaml:7:"
                        + " audit.kafka.bootstrap-servers[0]: \"[::g]:9092\" is not a broker address " + form),
                Arguments.of("  kafka:\n    bootstrap-servers: [b:1, b:1]\n    topic: t\n", "gateway.yaml:7:"
                        + " audit.kafka.bootstrap-servers[1]: \"b:1\" is listed twice (expected: distinct broker"
                        + " addresses)"),
                Arguments.of("  kafka:\n    bootstrap-servers: b:1\n", "gateway.yaml:7: audit.kafka.topic: missing "
                        + topicForm),
                Arguments.of("  kafka:\n    bootstrap-servers: b:1\n    topic: audit/log\n", "gateway.yaml:8:"
                        + " audit.kafka.topic: \"audit/log\" is not a valid Kafka topic name " + topicForm),
                Arguments.of("  kafka:\n    bootstrap-servers: b:1\n    topic: ..\n", "gateway.yaml:8:"
                        + " audit.kafka.topic: \"..\" is not a valid Kafka topic name " + topicForm),
                Arguments.of("  kafka:\n    bootstrap-servers: b:1\n    topic: " + "t".repeat(250) + "\n",
                        "gateway.yaml:8: audit.kafka.topic: \"" + "t".repeat(120) + "...\" is not a valid Kafka"
                                + " topic name " + topicForm),
                Arguments.of("  kafka:\n    bootstrap-servers: b:1\n    topic: t\n    brokers: b:2\n",
                        "gateway.yaml:9: audit.kafka.brokers: unknown key (expected: one of bootstrap-servers,"
                                + " topic, client-properties)"),
                Arguments.of("  kafka:\n    bootstrap-servers: b:1\n    topic: t\n    client-properties: [a]\n",
                        "gateway.yaml:9: audit.kafka.client-properties: is a list (expected: a mapping of Kafka"
                                + " producer property names to values)"),
                Arguments.of("  kafka: on\n", "gateway.yaml:6: audit.kafka: is a boolean (expected: a mapping with"
                        + " keys bootstrap-servers, topic, client-properties)"));
    }

    @ParameterizedTest
    @MethodSource("invalidKafka")
    void rejectsKafka(String keys, String message) {
        assertThatThrownBy(() -> load(keys)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    static Stream<String> exportProperties() {
        return Stream.of("bootstrap.servers", "acks", "enable.idempotence", "key.serializer", "value.serializer",
                "transactional.id", "max.in.flight.requests.per.connection");
    }

    @ParameterizedTest
    @MethodSource("exportProperties")
    void exportPropertyRejected(String name) {
        String keys = KAFKA + "    client-properties:\n      " + name + ": secret-value-7\n";

        assertThatThrownBy(() -> load(keys))
                .isInstanceOf(ConfigException.class)
                .hasMessage("gateway.yaml:10: audit.kafka.client-properties." + name + ": is set by the audit export"
                        + " itself (expected: none of bootstrap.servers, acks, enable.idempotence, key.serializer,"
                        + " value.serializer, transactional.id, max.in.flight.requests.per.connection)")
                .hasMessageNotContaining("secret-value-7");
    }

    @Test
    void propertyValueNeverQuoted() {
        String keys = KAFKA + "    client-properties:\n      sasl.jaas.config: [\"password=hunter2\"]\n";

        assertThatThrownBy(() -> load(keys))
                .isInstanceOf(ConfigException.class)
                .hasMessage("gateway.yaml:10: audit.kafka.client-properties.sasl.jaas.config: is a list (expected: a"
                        + " string value (write \"\" for an empty value))")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void nullPropertyValueRejected() {
        String keys = KAFKA + "    client-properties:\n      sasl.password: ~\n";

        assertThatThrownBy(() -> load(keys))
                .isInstanceOf(ConfigException.class)
                .hasMessage("gateway.yaml:10: audit.kafka.client-properties.sasl.password: is empty (expected: a"
                        + " string value (write \"\" for an empty value))");
    }

    @Test
    void propertyNameChecked() {
        String keys = KAFKA + "    client-properties:\n      \"sasl password\": x\n";

        assertThatThrownBy(() -> load(keys))
                .isInstanceOf(ConfigException.class)
                .hasMessage("gateway.yaml:10: audit.kafka.client-properties: \"sasl password\" is not a Kafka"
                        + " property name (expected: names of letters, digits, '.', '_' and '-')");
    }
}
