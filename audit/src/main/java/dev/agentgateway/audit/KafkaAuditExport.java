package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.kafka.KafkaExporter;
import dev.agentgateway.audit.internal.kafka.ProducerSettings;
import dev.agentgateway.audit.internal.kafka.ResumePoint;
import dev.agentgateway.config.AuditKafkaConfig;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports the audit log to a Kafka topic for a SIEM. The local log stays the record of truth: the export runs on
 * its own thread, only reads the log files, and never delays an append.
 *
 * <p>Each record is published as key = its sequence number in decimal, value = its exact bytes (the line without
 * {@code \n}), with {@code acks=all} and an idempotent producer. Delivery is at least once: the sequence number up
 * to which every record was acknowledged is saved in {@value #STATE_FILE_NAME} in the audit directory (at most
 * every 200 ms and at close), and a restart continues after it, so records acknowledged after the last save are
 * published again; consumers drop them by key. On a topic with one partition the records arrive in sequence
 * order. With more partitions the order is kept per partition only.
 *
 * <p>While Kafka is unreachable, records wait in the log, {@link #lag()} grows, and one warning is logged per
 * outage, then one info message when sending works again. A send that Kafka rejects for good (no permission on
 * the topic, a record larger than the topic accepts) is an outage too: the export retries it and never skips it.
 * Thread-safe.
 *
 * <p>NOTE: a record may be up to 1 MiB, but Kafka's default {@code max.message.bytes} (1048588 bytes in Kafka
 * 4.3) leaves too little room for a record of that size with its key and batch framing. Raise the topic's limit
 * when records that large are possible.
 */
public final class KafkaAuditExport implements Closeable {

    /** Name of the file, inside the audit directory, that stores the last acknowledged sequence number. */
    public static final String STATE_FILE_NAME = "kafka-export.state";
    /** Bound on waiting for sends in flight at {@link #close()}. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(KafkaAuditExport.class);

    private final KafkaExporter exporter;
    private final Thread thread;
    private final LongSupplier lastDurableSequence;
    private final Duration joinTimeout;

    private KafkaAuditExport(KafkaExporter exporter, Thread thread, LongSupplier lastDurableSequence,
            Duration joinTimeout) {
        this.exporter = exporter;
        this.thread = thread;
        this.lastDurableSequence = lastDurableSequence;
        this.joinTimeout = joinTimeout;
    }

    /**
     * Starts exporting the log in {@code auditDirectory} after the last acknowledged record. Returns without
     * contacting Kafka, because the export thread connects.
     *
     * <p>A missing or invalid state file, a state file for another topic, or one naming a sequence number past
     * {@code lastDurableSequence} starts the export at seq 1, with a warning for the invalid cases.
     *
     * @param lastDurableSequence returns the sequence number of the last durable record
     *     ({@link AuditLog#lastDurableSequence()}); only records up to it are published
     * @param clock clock for the outage durations in log messages
     * @throws IOException when the state file exists but cannot be read
     * @throws IllegalArgumentException when the client properties set a property the export sets itself, or the
     *     Kafka client rejects them
     */
    public static KafkaAuditExport start(AuditKafkaConfig config, Path auditDirectory,
            LongSupplier lastDurableSequence, Clock clock) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(auditDirectory, "auditDirectory");
        Objects.requireNonNull(lastDurableSequence, "lastDurableSequence");
        Objects.requireNonNull(clock, "clock");
        Map<String, Object> properties = ProducerSettings.of(config);
        Path stateFile = auditDirectory.resolve(STATE_FILE_NAME);
        long after = ResumePoint.after(stateFile, config.topic(), lastDurableSequence.getAsLong());
        KafkaProducer<String, byte[]> producer = newProducer(properties);

        KafkaExporter exporter = new KafkaExporter(config.topic(), auditDirectory, stateFile, after,
                lastDurableSequence, clock, producer, CLOSE_TIMEOUT);
        Thread thread = new Thread(exporter, "audit-kafka-export");
        thread.setDaemon(true);
        thread.start();
        Duration joinTimeout = ProducerSettings.maxBlock(properties).plus(CLOSE_TIMEOUT).plusSeconds(1);
        return new KafkaAuditExport(exporter, thread, lastDurableSequence, joinTimeout);
    }

    private static KafkaProducer<String, byte[]> newProducer(Map<String, Object> properties) {
        try {
            return new KafkaProducer<>(properties);
        } catch (KafkaException e) {
            throw new IllegalArgumentException("Kafka producer settings rejected: " + e.getMessage(), e);
        }
    }

    /** Returns the sequence number up to which every record was acknowledged by Kafka; 0 before the first. */
    public long acknowledgedSequence() {
        return exporter.acknowledgedSequence();
    }

    /** Returns the number of durable records not yet acknowledged by Kafka. */
    public long lag() {
        return Math.max(0, lastDurableSequence.getAsLong() - exporter.acknowledgedSequence());
    }

    /**
     * Returns whether the last contact with Kafka succeeded: the start-up metadata request or the last completed
     * send. While the log has no new records the value stays as it was.
     */
    public boolean connected() {
        return exporter.connected();
    }

    /** Returns the number of failed attempts to reach Kafka since the start; for tests. */
    long failedAttempts() {
        return exporter.failedAttempts();
    }

    /**
     * Stops the export: stops reading the log, waits up to {@link #CLOSE_TIMEOUT} for sends in flight and saves the
     * state. Records not acknowledged by then are published after the next start.
     */
    @Override
    public void close() {
        exporter.requestClose();
        try {
            thread.join(joinTimeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("Kafka export thread did not stop within {} ms; records after seq {} are published after the"
                    + " next start", joinTimeout.toMillis(), exporter.acknowledgedSequence());
        }
    }
}
