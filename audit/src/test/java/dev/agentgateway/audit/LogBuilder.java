package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.RecordCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Writes a segmented audit log with checkpoints directly through the record codec, for tests that need exact
 * control over segment and checkpoint boundaries.
 */
final class LogBuilder {

    private final Path directory;
    private final AuditSigningKey key;
    private final Instant time;
    private final long recordsPerSegment;
    private final long recordsPerCheckpoint;
    private final MerkleTree.Builder tree = new MerkleTree.Builder();
    private String prev = RecordCodec.FIRST_PREV;
    private byte[] previousCheckpoint = Checkpoint.firstPrevious();
    private long sequence;
    private Path segment;

    LogBuilder(Path directory, AuditSigningKey key, Instant time, long recordsPerSegment, long recordsPerCheckpoint)
            throws IOException {
        this.directory = Files.createDirectories(directory);
        this.key = key;
        this.time = time;
        this.recordsPerSegment = recordsPerSegment;
        this.recordsPerCheckpoint = recordsPerCheckpoint;
        Files.createFile(directory.resolve(AuditVerifier.CHECKPOINT_FILE_NAME));
    }

    /** Appends {@code count} records, starting segments and writing checkpoints on the way. */
    LogBuilder append(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            appendOne();
        }
        return this;
    }

    private void appendOne() throws IOException {
        sequence++;
        if (segment == null || (sequence - 1) % recordsPerSegment == 0) {
            segment = directory.resolve(LogFiles.segmentName(sequence));
        }
        byte[] record = RecordCodec.encodeRecord(sequence, "r" + sequence, time,
                AuditFixtures.decision("req-" + sequence), prev);
        Files.write(segment, record, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Files.write(segment, new byte[] {'\n'}, StandardOpenOption.APPEND);
        prev = RecordCodec.sha256Hex(record, 0, record.length);
        tree.addLeafHash(MerkleTree.leafHash(record));
        if (sequence % recordsPerCheckpoint == 0) {
            checkpoint();
        }
    }

    /** Writes a checkpoint of every record appended so far. */
    LogBuilder checkpoint() throws IOException {
        String line = Checkpoint.sign(key, sequence, tree.root(), time, previousCheckpoint).toLine();
        previousCheckpoint = Checkpoint.lineHash(line.getBytes(StandardCharsets.UTF_8));
        Files.writeString(directory.resolve(AuditVerifier.CHECKPOINT_FILE_NAME), line + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        return this;
    }
}
