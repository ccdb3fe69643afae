package dev.agentgateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.AuditKafkaConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exports to a real Kafka broker running in this JVM; the broker is shared by the tests of this class. */
class KafkaAuditExportTest {

    /** Client settings that turn an unreachable broker into a failed send within about a second. */
    private static final Map<String, String> FAST_FAILURE = Map.of(
            "request.timeout.ms", "800",
            "delivery.timeout.ms", "1500",
            "max.block.ms", "2000",
            "reconnect.backoff.ms", "50",
            "reconnect.backoff.max.ms", "200",
            "retry.backoff.ms", "50",
            "retry.backoff.max.ms", "200",
            "socket.connection.setup.timeout.ms", "500",
            "socket.connection.setup.timeout.max.ms", "1000");
    /** Bound on waiting for the export; reached only when the export is broken. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final long SEGMENT_MAX_BYTES = 4096;
    private static final AuditSigningKey SIGNING_KEY = AuditSigningKey.generate("EdDSA");
    private static final AtomicInteger TOPICS = new AtomicInteger();

    @TempDir
    static Path brokerDirectory;
    private static KafkaTestBroker broker;

    @TempDir
    Path temporaryDirectory;
    private Path auditDirectory;
    private String topic;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaTestBroker.start(brokerDirectory);
        System.out.println("Kafka test broker ready after " + broker.startTime().toMillis() + " ms");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @BeforeEach
    void createTopic() throws Exception {
        auditDirectory = temporaryDirectory.resolve("audit");
        topic = "audit-" + TOPICS.incrementAndGet();
        broker.createTopic(topic);
    }

    @Test
    void publishesEachRecordOnceInOrder() throws Exception {
        try (FileAuditLog log = openLog()) {
            appendDecisions(log, 30);
            try (KafkaAuditExport export = start(log::lastDurableSequence)) {
                appendDecisions(log, 20);
                awaitUntil(() -> export.acknowledgedSequence() == 50, "50 records acknowledged");

                assertThat(export.lag()).isZero();
                assertThat(export.connected()).isTrue();
                awaitUntil(() -> savedState().equals(stateLine(50)), "state saved while running");
            }
        }

        try (var files = Files.list(auditDirectory)) {
            assertThat(files.filter(file -> file.getFileName().toString().startsWith("audit-"))).hasSizeGreaterThan(2);
        }
        List<ConsumerRecord<String, byte[]>> messages = broker.readAll(topic, 50, PATIENCE);
        assertThat(keys(messages)).containsExactlyElementsOf(sequenceKeys(1, 50));
        assertValuesAreRecordBytes(messages);
        assertThat(savedState()).isEqualTo(stateLine(50));
    }

    @Test
    void publishesOnlyDurableRecords() throws Exception {
        AtomicLong durable = new AtomicLong(5);
        try (FileAuditLog log = openLog()) {
            appendDecisions(log, 10);
            try (KafkaAuditExport export = start(durable::get)) {
                awaitUntil(() -> export.acknowledgedSequence() == 5, "5 records acknowledged");
                assertThat(export.lag()).isZero();
            }
        }

        assertThat(keys(broker.readAll(topic, 5, PATIENCE))).containsExactlyElementsOf(sequenceKeys(1, 5));
    }

    @Test
    void restartResumesAfterSavedSequence() throws Exception {
        try (FileAuditLog log = openLog()) {
            appendDecisions(log, 20);
            exportUntil(log, 20);
            appendDecisions(log, 10);
            exportUntil(log, 30);
            assertThat(keys(broker.readAll(topic, 30, PATIENCE))).containsExactlyElementsOf(sequenceKeys(1, 30));

            // A state saved before the last acknowledgements, as after a crash: records 26 to 30 go out again.
            Files.writeString(auditDirectory.resolve(KafkaAuditExport.STATE_FILE_NAME), stateLine(25));
            appendDecisions(log, 5);
            exportUntil(log, 35);
        }

        List<ConsumerRecord<String, byte[]>> messages = broker.readAll(topic, 40, PATIENCE);
        List<String> expected = new ArrayList<>(sequenceKeys(1, 30));
        expected.addAll(sequenceKeys(26, 35));
        assertThat(keys(messages)).containsExactlyElementsOf(expected);
        assertValuesAreRecordBytes(messages);
    }

    @Test
    void brokerOutageDelaysExportOnly() throws Exception {
        try (FileAuditLog log = openLog();
                CapturedLogs logs = new CapturedLogs()) {
            appendDecisions(log, 10);
            try (KafkaAuditExport export = start(log::lastDurableSequence)) {
                awaitUntil(() -> export.acknowledgedSequence() == 10, "10 records acknowledged");

                broker.stopBroker();
                try {
                    appendDecisions(log, 20);
                    assertThat(log.lastDurableSequence()).isEqualTo(30);
                    awaitUntil(() -> export.failedAttempts() >= 2, "two failed attempts");
                    assertThat(export.connected()).isFalse();
                    assertThat(export.acknowledgedSequence()).isEqualTo(10);
                    assertThat(export.lag()).isEqualTo(20);
                } finally {
                    broker.restartBroker();
                }

                awaitUntil(() -> export.acknowledgedSequence() == 30, "30 records acknowledged");
                assertThat(export.lag()).isZero();
                assertThat(export.connected()).isTrue();
            }
            assertThat(logs.messages(Level.WARN)).filteredOn(message -> message.contains("failed"))
                    .singleElement().asString().contains(topic).contains("after seq 10");
            assertThat(logs.messages(Level.INFO)).filteredOn(message -> message.contains("recovered"))
                    .singleElement().asString().contains(topic);
        }

        List<ConsumerRecord<String, byte[]>> messages = broker.readAll(topic, 30, PATIENCE);
        assertThat(firstAppearances(messages)).containsExactlyElementsOf(sequenceKeys(1, 30));
        assertValuesAreRecordBytes(messages);
    }

    @Test
    void unreachableKafkaOnlyGrowsLag() throws Exception {
        try (Socket closedPort = bindWithoutListening();
                FileAuditLog log = openLog();
                CapturedLogs logs = new CapturedLogs()) {
            AuditKafkaConfig config = new AuditKafkaConfig(List.of("127.0.0.1:" + closedPort.getLocalPort()), topic,
                    FAST_FAILURE);
            appendDecisions(log, 5);
            try (KafkaAuditExport export =
                    KafkaAuditExport.start(config, auditDirectory, log::lastDurableSequence, AuditFixtures.CLOCK)) {
                appendDecisions(log, 5);
                awaitUntil(() -> export.failedAttempts() >= 2, "two failed attempts");

                assertThat(log.lastDurableSequence()).isEqualTo(10);
                assertThat(export.connected()).isFalse();
                assertThat(export.acknowledgedSequence()).isZero();
                assertThat(export.lag()).isEqualTo(10);
            }
            assertThat(logs.messages(Level.WARN)).filteredOn(message -> message.contains("failed"))
                    .singleElement().asString().contains("after seq 0");
        }
    }

    @Test
    void invalidStateExportsFromFirstRecord() throws Exception {
        Files.createDirectories(auditDirectory);
        Files.writeString(auditDirectory.resolve(KafkaAuditExport.STATE_FILE_NAME), "{\"acknowledged_sequence\":");
        try (FileAuditLog log = openLog();
                CapturedLogs logs = new CapturedLogs()) {
            appendDecisions(log, 10);
            exportUntil(log, 10);

            assertThat(logs.messages(Level.WARN)).anySatisfy(message -> assertThat(message)
                    .contains("is invalid").contains("from seq 1"));
        }

        assertThat(keys(broker.readAll(topic, 10, PATIENCE))).containsExactlyElementsOf(sequenceKeys(1, 10));
    }

    @Test
    void unreadableStateFailsStart() throws Exception {
        Files.createDirectories(auditDirectory.resolve(KafkaAuditExport.STATE_FILE_NAME));
        try (FileAuditLog log = openLog()) {
            assertThatThrownBy(() -> start(log::lastDurableSequence))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(KafkaAuditExport.STATE_FILE_NAME)
                    .hasMessageContaining("delete it");
        }
    }

    /**
     * Returns a socket bound to a loopback port without listening, so connections to the port are refused. While
     * it is open the system assigns the port to no socket that requests an ephemeral port, unlike a port closed
     * before use.
     */
    private static Socket bindWithoutListening() throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return socket;
    }

    /** Opens a log whose segments hold a few records each, so exports cross segment boundaries. */
    private FileAuditLog openLog() throws IOException {
        AuditConfig config = AuditFixtures.config(auditDirectory, SEGMENT_MAX_BYTES, Duration.ofHours(1), 1024);
        return FileAuditLog.open(config, SIGNING_KEY, AuditFixtures.CLOCK, CommitObserver.NONE);
    }

    private KafkaAuditExport start(LongSupplier lastDurableSequence) throws IOException {
        AuditKafkaConfig config = new AuditKafkaConfig(broker.bootstrapServers(), topic, FAST_FAILURE);
        return KafkaAuditExport.start(config, auditDirectory, lastDurableSequence, AuditFixtures.CLOCK);
    }

    /** Runs an export until it acknowledged {@code sequence}, then closes it. */
    private void exportUntil(FileAuditLog log, long sequence) throws Exception {
        try (KafkaAuditExport export = start(log::lastDurableSequence)) {
            awaitUntil(() -> export.acknowledgedSequence() == sequence, sequence + " records acknowledged");
        }
    }

    private String savedState() {
        try {
            return Files.readString(auditDirectory.resolve(KafkaAuditExport.STATE_FILE_NAME));
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }

    private String stateLine(long acknowledgedSequence) {
        return "{\"acknowledged_sequence\":" + acknowledgedSequence + ",\"topic\":\"" + topic + "\"}\n";
    }

    private static void appendDecisions(AuditLog log, int count) throws AuditWriteException {
        for (int i = 0; i < count; i++) {
            log.append(AuditFixtures.decision("req-" + i));
        }
    }

    private static void awaitUntil(BooleanSupplier condition, String description) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + PATIENCE.toSeconds() + " s: " + description);
            }
            Thread.sleep(20);
        }
    }

    private static List<String> keys(List<ConsumerRecord<String, byte[]>> messages) {
        return messages.stream().map(ConsumerRecord::key).toList();
    }

    private static List<String> firstAppearances(List<ConsumerRecord<String, byte[]>> messages) {
        Map<String, Boolean> seen = new LinkedHashMap<>();
        messages.forEach(message -> seen.putIfAbsent(message.key(), true));
        return List.copyOf(seen.keySet());
    }

    private static List<String> sequenceKeys(long first, long last) {
        return LongStream.rangeClosed(first, last).mapToObj(Long::toString).toList();
    }

    private void assertValuesAreRecordBytes(List<ConsumerRecord<String, byte[]>> messages) throws IOException {
        Map<String, byte[]> records = new LinkedHashMap<>();
        try (AuditRecords reader = AuditRecords.open(auditDirectory)) {
            for (AuditRecord record = reader.next(); record != null; record = reader.next()) {
                records.put(Long.toString(record.sequence()), record.bytes());
            }
        }
        for (ConsumerRecord<String, byte[]> message : messages) {
            assertThat(message.value()).as("value of key %s", message.key()).isEqualTo(records.get(message.key()));
        }
    }
}
