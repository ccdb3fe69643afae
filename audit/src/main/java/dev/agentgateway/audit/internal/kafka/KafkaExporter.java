package dev.agentgateway.audit.internal.kafka;

import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Body of the export thread: follows the audit log from the last acknowledged record and publishes each durable
 * record to Kafka, key = sequence number, value = the record's exact bytes.
 *
 * <p>Up to {@value #MAX_RECORDS_IN_FLIGHT} records (at most {@value #MAX_BYTES_IN_FLIGHT} bytes) are in flight at
 * once. When a send fails, the thread waits for the other sends to complete, then starts again after the
 * acknowledged prefix, so a record is never skipped. Records acknowledged after the failed one are sent again
 * (at-least-once delivery). During an outage it sends one record at a time, with a growing pause between
 * attempts, and goes back to full speed on the first acknowledgement. The thread only reads the log files and
 * shares no lock with the log's writer, so appends never wait for Kafka.
 */
public final class KafkaExporter implements Runnable {

    static final int MAX_RECORDS_IN_FLIGHT = 1024;
    static final long MAX_BYTES_IN_FLIGHT = 16L << 20;
    /** Pause before reading again when the log has no new durable record. */
    static final Duration POLL_INTERVAL = Duration.ofMillis(50);
    /** Minimum time between two writes of the state file. */
    static final Duration SAVE_INTERVAL = Duration.ofMillis(200);
    static final Duration MIN_RETRY_DELAY = Duration.ofMillis(200);
    static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(5);
    /** Pause before reading again after the log could not be read. */
    static final Duration READ_RETRY_DELAY = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(KafkaExporter.class);

    private final String topic;
    private final Path directory;
    private final Path stateFile;
    private final LongSupplier lastDurableSequence;
    private final Clock clock;
    private final Producer<String, byte[]> producer;
    private final Duration closeTimeout;
    private final AcknowledgementWindow window;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeUp = lock.newCondition();

    private volatile boolean closing;
    private volatile boolean connected;
    private volatile long failedAttempts;

    // Used by the export thread only.
    private AuditRecords reader;
    private long successesSeen;
    private boolean probing;
    private Instant outageStart;
    private Duration retryDelay = MIN_RETRY_DELAY;
    private long retryAtNanos = System.nanoTime();
    private String readProblem;
    private long savedSequence;
    private long savedAtNanos;
    private boolean saveFailing;

    /**
     * Creates the thread body, which {@link #run} executes.
     *
     * @param acknowledgedSequence sequence number after which exporting starts; every record up to it is in Kafka
     * @param closeTimeout bound on waiting for sends in flight when closing
     */
    public KafkaExporter(String topic, Path directory, Path stateFile, long acknowledgedSequence,
            LongSupplier lastDurableSequence, Clock clock, Producer<String, byte[]> producer, Duration closeTimeout) {
        this.topic = topic;
        this.directory = directory;
        this.stateFile = stateFile;
        this.lastDurableSequence = lastDurableSequence;
        this.clock = clock;
        this.producer = producer;
        this.closeTimeout = closeTimeout;
        this.window = new AcknowledgementWindow(acknowledgedSequence);
        this.savedSequence = acknowledgedSequence;
    }

    /** Returns the sequence number up to which every record was acknowledged by Kafka. */
    public long acknowledgedSequence() {
        return window.acknowledged();
    }

    /** Returns whether the last send or connection check succeeded. */
    public boolean connected() {
        return connected;
    }

    /**
     * Returns the number of failed attempts since the start: a failed start-up check, or a round of sends that
     * ended in a failure and a retry.
     */
    public long failedAttempts() {
        return failedAttempts;
    }

    /** Asks the thread to stop: it stops reading, waits for sends in flight, saves the state and returns. */
    public void requestClose() {
        closing = true;
        signal();
    }

    @Override
    public void run() {
        try {
            checkConnection();
            while (!closing) {
                step();
            }
        } catch (RuntimeException e) {
            LOG.error("Kafka export to topic {} stopped after an unexpected failure; records after seq {} are"
                    + " exported after a restart", topic, window.acknowledged(), e);
        } finally {
            shutDown();
        }
    }

    private void checkConnection() {
        try {
            producer.partitionsFor(topic);
            connected = true;
            LOG.info("Kafka export to topic {} started after seq {}", topic, window.acknowledged());
        } catch (RuntimeException e) {
            startOutage(e);
        }
    }

    private void step() {
        saveState(false);
        noteAcknowledgements();
        Exception failure = window.failure();
        if (failure != null) {
            if (window.inFlight() > 0) {
                await(POLL_INTERVAL.toNanos());
            } else {
                retryAfterFailure(failure);
            }
            return;
        }
        long untilRetry = retryAtNanos - System.nanoTime();
        if (untilRetry > 0) {
            await(Math.min(untilRetry, POLL_INTERVAL.toNanos()));
            return;
        }
        if (!maySendMore()) {
            await(POLL_INTERVAL.toNanos());
            return;
        }
        AuditRecord record = nextDurableRecord();
        if (record == null) {
            await(POLL_INTERVAL.toNanos());
            return;
        }
        send(record);
    }

    /** Ends an outage on the first acknowledgement after it. */
    private void noteAcknowledgements() {
        long successes = window.successfulSends();
        if (successes == successesSeen) {
            return;
        }
        successesSeen = successes;
        connected = true;
        probing = false;
        retryDelay = MIN_RETRY_DELAY;
        if (outageStart != null) {
            Duration outage = Duration.between(outageStart, clock.instant());
            LOG.info("Kafka export to topic {} recovered after {} ms; sending the records after seq {}", topic,
                    outage.toMillis(), window.acknowledged());
            outageStart = null;
        }
    }

    private void retryAfterFailure(Exception failure) {
        startOutage(failure);
        window.rewind();
        successesSeen = window.successfulSends();
        closeReader();
        probing = true;
        retryAtNanos = System.nanoTime() + retryDelay.toNanos();
        retryDelay = retryDelay.multipliedBy(2).compareTo(MAX_RETRY_DELAY) > 0
                ? MAX_RETRY_DELAY : retryDelay.multipliedBy(2);
    }

    /** Logs a warning at the first failure of an outage; later failures of the same outage log at debug. */
    private void startOutage(Exception failure) {
        connected = false;
        failedAttempts++;
        if (outageStart != null) {
            LOG.debug("Kafka export to topic {} still failing: {}", topic, failure.toString());
            return;
        }
        outageStart = clock.instant();
        LOG.warn("Kafka export to topic {} failed; records after seq {} stay in the local log and are sent when"
                + " Kafka is reachable again. Cause: {}", topic, window.acknowledged(), failure.toString());
    }

    private boolean maySendMore() {
        if (probing) {
            return window.inFlight() == 0;
        }
        return window.inFlight() < MAX_RECORDS_IN_FLIGHT && window.bytesInFlight() < MAX_BYTES_IN_FLIGHT;
    }

    /**
     * Returns the next record to send, or {@code null} when it is not durable yet or cannot be read now. A record
     * is read only once its sequence number is durable, so a record that a failed write later cuts from the log
     * is never sent. The reader is bounded by the same sequence, so it reads bytes past the durable end again
     * later instead of keeping a copy that a failed fsync may have made stale.
     */
    private AuditRecord nextDurableRecord() {
        long next = window.lastSent() + 1;
        if (next > lastDurableSequence.getAsLong()) {
            return null;
        }
        try {
            if (reader == null) {
                reader = AuditRecords.open(directory, next - 1, lastDurableSequence);
            }
            AuditRecord record = reader.next();
            if (record != null && record.sequence() != next) {
                throw new IOException("read seq " + record.sequence() + " (expected: " + next + ")");
            }
            if (record != null && readProblem != null) {
                LOG.info("Kafka export reads the audit log again from seq {}", next);
                readProblem = null;
            }
            return record;
        } catch (IOException | RuntimeException e) {
            readFailed(e);
            return null;
        }
    }

    /** Logs a read failure once per distinct problem and tries again later from the same record. */
    private void readFailed(Exception e) {
        closeReader();
        retryAtNanos = System.nanoTime() + READ_RETRY_DELAY.toNanos();
        String problem = e.toString();
        if (problem.equals(readProblem)) {
            return;
        }
        readProblem = problem;
        LOG.error("Kafka export cannot read the audit log in {} after seq {}: {}. Retrying every {} ms", directory,
                window.lastSent(), problem, READ_RETRY_DELAY.toMillis());
    }

    private void send(AuditRecord record) {
        long sequence = record.sequence();
        byte[] bytes = record.bytes();
        window.sent(sequence, bytes.length);
        ProducerRecord<String, byte[]> message = new ProducerRecord<>(topic, Long.toString(sequence), bytes);
        try {
            producer.send(message, (metadata, error) -> {
                window.completed(sequence, bytes.length, error);
                signal();
            });
        } catch (RuntimeException e) {
            // The producer reports most failures through the callback; these it throws without calling it.
            window.completed(sequence, bytes.length, e);
        }
    }

    private void saveState(boolean force) {
        long acknowledged = window.acknowledged();
        long now = System.nanoTime();
        if (acknowledged == savedSequence || !force && now - savedAtNanos < SAVE_INTERVAL.toNanos()) {
            return;
        }
        savedAtNanos = now;
        try {
            new ExportState(topic, acknowledged).write(stateFile);
            savedSequence = acknowledged;
            if (saveFailing) {
                LOG.info("Kafka export state {} saved again", stateFile);
                saveFailing = false;
            }
        } catch (IOException e) {
            if (!saveFailing) {
                LOG.warn("Kafka export cannot save its state {}: {}. After a restart it sends again the records"
                        + " after seq {}", stateFile, e.toString(), savedSequence);
                saveFailing = true;
            }
        }
    }

    private void shutDown() {
        try {
            producer.close(closeTimeout);
        } catch (RuntimeException e) {
            LOG.warn("Kafka producer of the audit export did not close cleanly: {}", e.toString());
        }
        saveState(true);
        closeReader();
        long acknowledged = window.acknowledged();
        long durable = lastDurableSequence.getAsLong();
        if (acknowledged == 0) {
            LOG.info("Kafka export to topic {} stopped; Kafka has acknowledged no record yet, and {} records wait for"
                    + " the next start", topic, durable);
        } else {
            LOG.info("Kafka export to topic {} stopped; Kafka has acknowledged every record up to seq {}, and {}"
                    + " records wait for the next start", topic, acknowledged, Math.max(0, durable - acknowledged));
        }
    }

    private void closeReader() {
        if (reader == null) {
            return;
        }
        try {
            reader.close();
        } catch (IOException e) {
            LOG.debug("Closing the audit log reader failed: {}", e.toString());
        }
        reader = null;
    }

    private void signal() {
        lock.lock();
        try {
            wakeUp.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void await(long nanos) {
        lock.lock();
        try {
            if (!closing) {
                wakeUp.await(nanos, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        } finally {
            lock.unlock();
        }
    }
}
