package dev.agentgateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Audit log settings.
 *
 * @param directory directory holding the segment files and the checkpoint file; created when absent
 * @param segmentMaxBytes a segment is closed and a new one started before a record would take it past this size
 * @param segmentMaxAge a segment older than this is closed at its next append
 * @param checkpointEveryRecords a signed checkpoint is written after at most this many new records
 * @param checkpointInterval a signed checkpoint is written at most this long after the first record it covers
 * @param signingKey the audit key that signs checkpoints: a JWK file ({@code EdDSA} or {@code ES256}), generated
 *     with owner-only permissions when absent; never the token signing key
 * @param maxPendingRecords bound on records waiting to be written; an append past it fails at once, closed
 * @param kafka Kafka export of the log, or {@code null} when records are not exported
 */
public record AuditConfig(
        Path directory,
        long segmentMaxBytes,
        Duration segmentMaxAge,
        long checkpointEveryRecords,
        Duration checkpointInterval,
        SigningKeyConfig signingKey,
        int maxPendingRecords,
        AuditKafkaConfig kafka) {

    /** Default segment size bound: 64 MiB. */
    public static final long DEFAULT_SEGMENT_MAX_BYTES = 64L << 20;
    /** Default segment age bound. */
    public static final Duration DEFAULT_SEGMENT_MAX_AGE = Duration.ofHours(24);
    /** Default number of records between checkpoints. */
    public static final long DEFAULT_CHECKPOINT_EVERY_RECORDS = 10_000;
    /** Default time between checkpoints. */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
    /** Default audit key algorithm. */
    public static final String DEFAULT_KEY_ALGORITHM = "EdDSA";
    /** File name of the default audit key, placed beside the audit directory. */
    public static final String DEFAULT_KEY_FILE_NAME = "audit-key.jwk";
    /** Default bound on records waiting to be written. */
    public static final int DEFAULT_MAX_PENDING_RECORDS = 65_536;

    public AuditConfig {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(segmentMaxAge, "segmentMaxAge");
        Objects.requireNonNull(checkpointInterval, "checkpointInterval");
        Objects.requireNonNull(signingKey, "signingKey");
        if (segmentMaxBytes < 4096) {
            throw new IllegalArgumentException("segmentMaxBytes: " + segmentMaxBytes + " (expected: at least 4096)");
        }
        if (checkpointEveryRecords < 1) {
            throw new IllegalArgumentException(
                    "checkpointEveryRecords: " + checkpointEveryRecords + " (expected: at least 1)");
        }
        if (maxPendingRecords < 1) {
            throw new IllegalArgumentException("maxPendingRecords: " + maxPendingRecords + " (expected: at least 1)");
        }
        if (segmentMaxAge.isNegative() || segmentMaxAge.isZero()
                || checkpointInterval.isNegative() || checkpointInterval.isZero()) {
            throw new IllegalArgumentException("segmentMaxAge and checkpointInterval must be positive");
        }
    }

    /**
     * Returns the defaults for a log in {@code directory}, with the audit key {@value #DEFAULT_KEY_FILE_NAME}
     * beside the directory and no export.
     */
    public AuditConfig(Path directory) {
        this(directory, DEFAULT_SEGMENT_MAX_BYTES, DEFAULT_SEGMENT_MAX_AGE, DEFAULT_CHECKPOINT_EVERY_RECORDS,
                DEFAULT_CHECKPOINT_INTERVAL, new SigningKeyConfig(defaultKeyPath(directory), DEFAULT_KEY_ALGORITHM),
                DEFAULT_MAX_PENDING_RECORDS, null);
    }

    /** Returns the default audit key path for a log in {@code directory}: a sibling file of the directory. */
    public static Path defaultKeyPath(Path directory) {
        Path absolute = directory.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        return parent == null ? absolute.resolve(DEFAULT_KEY_FILE_NAME) : parent.resolve(DEFAULT_KEY_FILE_NAME);
    }
}
