package dev.agentgateway.audit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * One in-process KRaft node (broker and controller combined) built from Kafka's own test kit, listening on
 * loopback ports chosen by the system, with its log directories under a temporary directory.
 */
final class KafkaTestBroker implements AutoCloseable {

    private final KafkaClusterTestKit cluster;
    private final Duration startTime;

    private KafkaTestBroker(KafkaClusterTestKit cluster, Duration startTime) {
        this.cluster = cluster;
        this.startTime = startTime;
    }

    static KafkaTestBroker start(Path baseDirectory) throws Exception {
        long started = System.nanoTime();
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(baseDirectory)
                .build();
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("auto.create.topics.enable", "false")
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                // A restarted broker registers again only once the controller fenced its old session.
                .setConfigProp("broker.heartbeat.interval.ms", "500")
                .setConfigProp("broker.session.timeout.ms", "3000")
                .build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new KafkaTestBroker(cluster, Duration.ofNanos(System.nanoTime() - started));
    }

    /** Time from building the cluster to a ready broker, on this machine. */
    Duration startTime() {
        return startTime;
    }

    List<String> bootstrapServers() {
        return List.of(cluster.bootstrapServers().split(","));
    }

    void createTopic(String topic) throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
    }

    /** Stops the broker; the controller part of the node keeps running. */
    void stopBroker() {
        cluster.brokers().values().forEach(broker -> {
            broker.shutdown();
            broker.awaitShutdown();
        });
    }

    /** Starts the stopped broker again on the same port and waits until it is ready. */
    void restartBroker() throws Exception {
        cluster.brokers().values().forEach(broker -> broker.startup());
        cluster.waitForReadyBrokers();
    }

    /**
     * Reads every message of partition 0 of {@code topic} from the beginning, waiting up to {@code timeout} until
     * the partition contains at least {@code count}.
     */
    List<ConsumerRecord<String, byte[]>> readAll(String topic, int count, Duration timeout) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        TopicPartition partition = new TopicPartition(topic, 0);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(Set.of(partition));
            consumer.seekToBeginning(Set.of(partition));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                Map<TopicPartition, Long> end = consumer.endOffsets(Set.of(partition));
                if (records.size() >= count && consumer.position(partition) >= end.get(partition)) {
                    break;
                }
            }
        }
        return records;
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
