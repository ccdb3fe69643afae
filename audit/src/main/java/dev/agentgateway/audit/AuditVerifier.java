package dev.agentgateway.audit;

import dev.agentgateway.config.AuditConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Checks an audit log directory offline: segment names, every record, the hash chain and the signed Merkle
 * checkpoints.
 *
 * <p>Checks, in the order a reader meets them:
 * <ul>
 *   <li>every line of {@code checkpoints.log} is a checkpoint in canonical form, signed by one of the given keys,
 *       with sizes strictly increasing and times never decreasing;</li>
 *   <li>segment files are named after the {@code seq} of their first record and cover consecutive seqs;</li>
 *   <li>every record is canonical (the writer's codec decodes it and encodes the same bytes), has the next
 *       {@code seq} and a {@code prev} equal to the SHA-256 of the record before it, across segments;</li>
 *   <li>record times never decrease and are at most {@link #MAX_CLOCK_AHEAD} ahead of the verifier's clock;</li>
 *   <li>each checkpoint's root equals the RFC 9162 tree head recomputed from its first {@code size} records, and an
 *       RFC 9162 consistency proof between each pair of successive checkpoints is built from the records and
 *       verifies;</li>
 *   <li>no checkpoint covers more records than the log contains, and records not covered by any checkpoint are
 *       recent: the writer covers records within its checkpoint interval and covers all of them when it closes
 *       the log.</li>
 * </ul>
 *
 * <p>The log is streamed: memory is O(number of checkpoints + log n) for n records.
 *
 * <p>When an edit keeps a record well-formed, the next record's {@code prev} no longer matches. The record after
 * that decides which of the two is named: when its own {@code prev} matches, the next record is intact and the
 * edited one is named. Otherwise the next record is named.
 */
public final class AuditVerifier {

    /** Name of the checkpoint file in the audit directory. */
    public static final String CHECKPOINT_FILE_NAME = LogFiles.CHECKPOINT_FILE_NAME;

    /**
     * Default age past which records not covered by a checkpoint make a log invalid: the default checkpoint
     * interval plus one minute for a slow disk or a busy writer.
     */
    public static final Duration DEFAULT_MAX_UNCOVERED_AGE =
            AuditConfig.DEFAULT_CHECKPOINT_INTERVAL.plus(Duration.ofMinutes(1));

    /**
     * Settings of a verification.
     *
     * @param clock source of "now" for the age of uncovered records and the latest record time accepted: now plus
     *     {@link #MAX_CLOCK_AHEAD}
     * @param maxUncoveredAge records not covered by a checkpoint and older than this make the log invalid
     */
    public record Options(Clock clock, Duration maxUncoveredAge) {

        public Options {
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(maxUncoveredAge, "maxUncoveredAge");
            if (maxUncoveredAge.isNegative()) {
                throw new IllegalArgumentException("maxUncoveredAge: " + maxUncoveredAge
                        + " (expected: zero or positive)");
            }
        }

        /** Returns the defaults: the system clock and {@link #DEFAULT_MAX_UNCOVERED_AGE}. */
        public static Options defaults() {
            return new Options(Clock.systemUTC(), DEFAULT_MAX_UNCOVERED_AGE);
        }

        /** Returns the options for a log written with {@code checkpointInterval}, allowing one more minute. */
        public static Options forCheckpointInterval(Duration checkpointInterval) {
            return new Options(Clock.systemUTC(), checkpointInterval.plus(Duration.ofMinutes(1)));
        }
    }

    /**
     * How far a record's time may be ahead of the verifier's clock, for clocks of two hosts that differ a little. A
     * later time would keep forged records "recent", so that they are never reported as uncovered too long.
     */
    public static final Duration MAX_CLOCK_AHEAD = Duration.ofMinutes(1);

    private AuditVerifier() {
    }

    /**
     * Verifies the log in {@code directory} against checkpoints signed by any of {@code keys}, with
     * {@link Options#defaults()}.
     *
     * @throws NoSuchFileException when {@code directory} does not exist, or contains neither segments, nor
     *     {@code checkpoints.log}, nor the lock file of a log that was opened: a deleted log must not pass as an
     *     empty one
     * @throws NotDirectoryException when {@code directory} is not a directory
     * @throws IOException when a file cannot be read
     */
    public static VerificationResult verify(Path directory, List<AuditPublicKey> keys) throws IOException {
        return verify(directory, keys, Options.defaults());
    }

    /** Verifies the log in {@code directory} as {@link #verify(Path, List)} does, with {@code options}. */
    public static VerificationResult verify(Path directory, List<AuditPublicKey> keys, Options options)
            throws IOException {
        return verify(directory, keys, options, () -> { });
    }

    /**
     * Verifies as {@link #verify(Path, List, Options)} does and runs {@code afterCheckpointsRead} between reading
     * {@code checkpoints.log} and listing the segments, so tests can append to the log at that moment.
     */
    static VerificationResult verify(Path directory, List<AuditPublicKey> keys, Options options,
            IoAction afterCheckpointsRead) throws IOException {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(options, "options");
        LogFiles.requireDirectory(directory);
        // A writer adds records to segments before it signs a checkpoint that covers them. Reading the checkpoints
        // first therefore finds every record they cover in the segments listed afterwards, even during writes.
        CheckpointLines checkpoints = CheckpointLines.read(directory.resolve(CHECKPOINT_FILE_NAME), keys);
        afterCheckpointsRead.run();
        LogFiles files = LogFiles.list(directory);
        if (files.legacyLog() != null) {
            return VerificationResult.badRecord(0, 0, 0, 0, LogFiles.LEGACY_FILE_NAME, 0,
                    LogFiles.LEGACY_FILE_NAME + " is a log of the earlier single-file format, which this version"
                            + " does not read: move it out of the directory, or verify it with an earlier release");
        }
        if (!containsLog(files)) {
            throw new NoSuchFileException(directory.toString(), null, "audit log not found");
        }
        return new LogVerification(files, checkpoints, options).run();
    }

    /** A step that may fail with an {@link IOException}. */
    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    /**
     * Returns whether {@code directory} contains an audit log: segment files, {@code checkpoints.log}, the lock
     * file of a log that was opened, or a log of the earlier single-file format. {@link #verify} throws
     * {@link NoSuchFileException} exactly when this returns false.
     *
     * @throws NoSuchFileException when {@code directory} does not exist
     * @throws NotDirectoryException when {@code directory} is not a directory
     * @throws IOException when the directory cannot be listed
     */
    public static boolean containsLog(Path directory) throws IOException {
        return containsLog(LogFiles.list(directory));
    }

    static boolean containsLog(LogFiles files) {
        return files.legacyLog() != null || !files.segments().isEmpty() || Files.exists(files.checkpoints())
                || Files.exists(files.directory().resolve(FileAuditLog.LOCK_FILE_NAME));
    }

    /**
     * Verifies the log in {@code directory} against the audit key file beside it
     * ({@link AuditConfig#defaultKeyPath}), the key a gateway configured with defaults uses. Without that file no
     * key is given, so only a log without checkpoints can pass, and only while its records are recent.
     */
    public static VerificationResult verify(Path directory) throws IOException {
        Path keyFile = AuditConfig.defaultKeyPath(directory);
        List<AuditPublicKey> keys = Files.exists(keyFile) ? List.of(AuditPublicKey.read(keyFile)) : List.of();
        return verify(directory, keys);
    }
}
