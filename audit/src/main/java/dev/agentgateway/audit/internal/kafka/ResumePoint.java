package dev.agentgateway.audit.internal.kafka;

import dev.agentgateway.audit.AuditPrinter;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses where an export starts from the saved state. Any doubt about the state (invalid content, another topic,
 * a sequence number the log does not reach) starts over at seq 1: Kafka may then receive records twice, which
 * consumers drop by key, but no record is skipped.
 */
public final class ResumePoint {

    private static final Logger LOG = LoggerFactory.getLogger(ResumePoint.class);

    private ResumePoint() {
    }

    /**
     * Returns the sequence number after which the export to {@code topic} starts.
     *
     * @param lastDurableSequence last durable record of the log now
     * @throws IOException when the state file exists but cannot be read; the message says what to do
     */
    public static long after(Path stateFile, String topic, long lastDurableSequence) throws IOException {
        ExportState state;
        try {
            state = ExportState.read(stateFile);
        } catch (ExportState.InvalidContentException e) {
            LOG.warn("Kafka export state {} is invalid: {}. Exporting again from seq 1, so Kafka may receive"
                    + " records it already holds", stateFile, AuditPrinter.escape(e.getMessage()));
            return 0;
        } catch (IOException e) {
            throw new IOException("Kafka export state " + stateFile + " cannot be read: " + e
                    + " (make it a readable regular file, or delete it to export again from seq 1)", e);
        }
        if (state == null) {
            LOG.info("Kafka export state {} not found; exporting from seq 1", stateFile);
            return 0;
        }
        if (!state.topic().equals(topic)) {
            LOG.warn("Kafka export state {} is for topic {}, not {}. Exporting to {} from seq 1", stateFile,
                    AuditPrinter.escape(state.topic()), topic, topic);
            return 0;
        }
        if (state.acknowledgedSequence() > lastDurableSequence) {
            LOG.warn("Kafka export state {} names seq {} as acknowledged, but the audit log ends at seq {}, so the"
                    + " log was replaced or cut. Exporting again from seq 1", stateFile,
                    state.acknowledgedSequence(), lastDurableSequence);
            return 0;
        }
        return state.acknowledgedSequence();
    }
}
