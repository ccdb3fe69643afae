package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.LineReader;
import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.audit.internal.RecordFormatException;
import dev.agentgateway.config.AuditConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

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
 *   <li>each checkpoint's root equals the RFC 9162 tree head recomputed from its first {@code size} records, and an
 *       RFC 9162 consistency proof between each pair of successive checkpoints is built from the records and
 *       verifies;</li>
 *   <li>no checkpoint covers more records than the log holds, and records not covered by any checkpoint are
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

    /** Longest checkpoint line read; real ones are about 250 bytes. */
    static final int MAX_CHECKPOINT_LINE_BYTES = 4096;

    /**
     * Settings of a verification.
     *
     * @param clock source of "now" for the age of uncovered records
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
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(options, "options");
        LogFiles files = LogFiles.list(directory);
        if (files.legacyLog() != null) {
            return VerificationResult.badRecord(0, 0, 0, 1, LogFiles.LEGACY_FILE_NAME, 1,
                    LogFiles.LEGACY_FILE_NAME + " is a log of the earlier single-file format, which this version"
                            + " does not read: move it out of the directory, or verify it with an earlier release");
        }
        if (files.segments().isEmpty() && !Files.exists(files.checkpoints())
                && !Files.exists(directory.resolve(FileAuditLog.LOCK_FILE_NAME))) {
            throw new NoSuchFileException(directory.toString(), null, "audit log not found");
        }
        return new Verification(files, List.copyOf(keys), options).run();
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

    /**
     * Reads the checkpoint lines, checking each one's form, signature and order. With {@code keys} {@code null}
     * the signatures are not checked.
     */
    static CheckpointLines readCheckpoints(Path file, List<AuditPublicKey> keys) throws IOException {
        List<Checkpoint> checkpoints = new ArrayList<>();
        if (!Files.exists(file)) {
            return new CheckpointLines(checkpoints, false, 0, null);
        }
        try (LineReader reader = new LineReader(Files.newInputStream(file), MAX_CHECKPOINT_LINE_BYTES)) {
            for (LineReader.Line line = reader.next(); line != null; line = reader.next()) {
                String problem = checkpointProblem(line, keys, checkpoints);
                if (problem != null) {
                    return new CheckpointLines(checkpoints, true, line.number(), problem);
                }
            }
        }
        return new CheckpointLines(checkpoints, true, 0, null);
    }

    private static String checkpointProblem(LineReader.Line line, List<AuditPublicKey> keys,
            List<Checkpoint> accepted) {
        if (line.bytes() == null) {
            return "line is " + line.length() + " bytes long (maximum: " + MAX_CHECKPOINT_LINE_BYTES + ")";
        }
        if (!line.terminated()) {
            return "last line is incomplete (" + line.length() + " bytes without a newline)";
        }
        Checkpoint checkpoint;
        try {
            checkpoint = Checkpoint.parse(utf8(line.bytes()));
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        String signatureProblem = keys == null ? null : signatureProblem(checkpoint, keys);
        if (signatureProblem != null) {
            return signatureProblem;
        }
        if (!accepted.isEmpty()) {
            Checkpoint previous = accepted.get(accepted.size() - 1);
            if (checkpoint.size() <= previous.size()) {
                return "size " + checkpoint.size() + " (expected: more than " + previous.size()
                        + ", the size of the checkpoint before it)";
            }
            if (checkpoint.time().isBefore(previous.time())) {
                return "time " + checkpoint.time() + " (expected: not before " + previous.time()
                        + ", the time of the checkpoint before it)";
            }
        }
        accepted.add(checkpoint);
        return null;
    }

    private static String signatureProblem(Checkpoint checkpoint, List<AuditPublicKey> keys) {
        for (AuditPublicKey key : keys) {
            if (key.keyId().equals(checkpoint.keyId())) {
                return checkpoint.verify(key) ? null
                        : "signature does not verify with key " + key.keyId() + " (" + key.algorithm() + ")";
            }
        }
        String given = keys.isEmpty() ? "none"
                : keys.stream().map(AuditPublicKey::keyId).collect(Collectors.joining(", "));
        return "signed with key " + checkpoint.keyId() + ", which is not one of the given keys (given: " + given
                + ")";
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("checkpoint rejected: not valid UTF-8", e);
        }
    }

    /**
     * Checkpoints read from {@code checkpoints.log}.
     *
     * @param checkpoints the checkpoints accepted before the first bad line
     * @param fileExists whether the file exists
     * @param badLine line of the first bad checkpoint, or 0
     * @param problem what is wrong with it, or {@code null}
     */
    record CheckpointLines(List<Checkpoint> checkpoints, boolean fileExists, long badLine, String problem) {
    }

    /** Location of one record. */
    private record Location(String file, long line, long sequence, String hash) {
    }

    /** One verification run; holds the streaming state. */
    private static final class Verification {

        private final LogFiles files;
        private final List<AuditPublicKey> keys;
        private final Options options;

        private List<Checkpoint> checkpoints;
        private boolean checkpointFileExists;
        private final MerkleTree.Builder tree = new MerkleTree.Builder();
        private int nextCheckpoint;
        private StreamedProof consistency;

        private long expectedSequence = 1;
        private String lastHash = RecordCodec.FIRST_PREV;
        private Location last;
        private Location firstUncovered;
        private Instant firstUncoveredTime;

        /** A record whose {@code prev} did not match, waiting for the next record to say which one to name. */
        private Location brokenLink;
        private Location beforeBrokenLink;
        /** A checkpoint whose root did not match, reported unless the next record breaks the chain. */
        private VerificationResult rootMismatch;

        private VerificationResult result;

        Verification(LogFiles files, List<AuditPublicKey> keys, Options options) {
            this.files = files;
            this.keys = keys;
            this.options = options;
        }

        VerificationResult run() throws IOException {
            CheckpointLines lines = readCheckpoints(files.checkpoints(), keys);
            checkpoints = lines.checkpoints();
            checkpointFileExists = lines.fileExists();
            if (lines.problem() != null) {
                return VerificationResult.badCheckpoint(0, checkpoints.size(), 0, lines.badLine(), lines.problem());
            }
            if (!files.badNames().isEmpty()) {
                String name = files.badNames().get(0);
                return VerificationResult.badRecord(0, 0, 0, 0, name, 0, "file name " + name
                        + " does not have the segment form audit-<first seq, 20 digits>.log");
            }
            List<LogFiles.Segment> segments = files.segments();
            for (int i = 0; i < segments.size() && result == null; i++) {
                readSegment(segments.get(i), i == segments.size() - 1);
            }
            if (result == null) {
                finish(segments);
            }
            return result;
        }

        private void readSegment(LogFiles.Segment segment, boolean newest) throws IOException {
            if (brokenLink == null && segment.firstSequence() != expectedSequence) {
                fail(badRecord(expectedSequence, segment.name(), 1, segmentNameProblem(segment)));
                return;
            }
            boolean empty = true;
            try (InputStream in = Files.newInputStream(segment.path());
                    LineReader reader = new LineReader(in, RecordCodec.MAX_LINE_BYTES)) {
                for (LineReader.Line line = reader.next(); line != null && result == null; line = reader.next()) {
                    if (empty && brokenLink == null && !lineStartsWith(line, segment.firstSequence())) {
                        fail(badRecord(expectedSequence, segment.name(), 1, firstRecordProblem(segment, line)));
                        return;
                    }
                    empty = false;
                    readRecord(segment.name(), line);
                }
            }
            if (empty && !newest && result == null) {
                fail(badRecord(expectedSequence, segment.name(), 1, "segment is empty (expected: at least one"
                        + " record, because only the newest segment may be left empty by a crash)"));
            }
        }

        private String segmentNameProblem(LogFiles.Segment segment) {
            long previousEnd = expectedSequence - 1;
            if (segment.firstSequence() > expectedSequence) {
                return "segment " + segment.name() + " starts at seq " + segment.firstSequence() + ", but the"
                        + " records before it end at seq " + previousEnd + ": records " + expectedSequence + " to "
                        + (segment.firstSequence() - 1) + " are missing (a segment was deleted or renamed)";
            }
            return "segment " + segment.name() + " starts at seq " + segment.firstSequence() + ", but the records"
                    + " before it already reach seq " + previousEnd + " (segments overlap: a segment was copied or"
                    + " renamed)";
        }

        private static boolean lineStartsWith(LineReader.Line line, long sequence) {
            if (line.bytes() == null) {
                return true;
            }
            long found = RecordCodec.sequenceOf(line.bytes());
            return found == 0 || found == sequence;
        }

        private String firstRecordProblem(LogFiles.Segment segment, LineReader.Line line) {
            return "the segment's name says its first record has seq " + segment.firstSequence() + ", but its first"
                    + " line has seq " + RecordCodec.sequenceOf(line.bytes()) + " (a record was removed or moved, or"
                    + " the segment was renamed)";
        }

        private void readRecord(String file, LineReader.Line line) {
            long sequence = expectedSequence;
            String problem = lineProblem(line);
            AuditRecord record = null;
            if (problem == null) {
                try {
                    record = RecordCodec.decode(line.bytes(), line.hash());
                } catch (RecordFormatException e) {
                    problem = e.getMessage();
                }
            }
            if (problem == null && record.sequence() != sequence) {
                problem = sequenceProblem(record.sequence(), sequence);
            }
            Location here = new Location(file, line.number(), sequence, line.hash());
            if (brokenLink != null) {
                resolveBrokenLink(problem == null && record.prev().equals(brokenLink.hash()));
                return;
            }
            if (problem != null) {
                fail(badRecord(sequence, file, line.number(), problem));
                return;
            }
            if (!record.prev().equals(lastHash)) {
                brokenLink = here;
                beforeBrokenLink = last;
                expectedSequence++;
                return;
            }
            if (rootMismatch != null) {
                fail(rootMismatch);
                return;
            }
            accept(here, record, line.bytes());
        }

        private static String lineProblem(LineReader.Line line) {
            if (line.bytes() == null) {
                return "line is " + line.length() + " bytes long (maximum: " + RecordCodec.MAX_LINE_BYTES + ")";
            }
            if (!line.terminated()) {
                return "last line is incomplete (" + line.length() + " bytes without a newline)";
            }
            return null;
        }

        private static String sequenceProblem(long found, long expected) {
            if (found > expected) {
                return "seq " + found + " (expected: " + expected + "): records " + expected + " to " + (found - 1)
                        + " are missing or out of order";
            }
            return "seq " + found + " (expected: " + expected + "): the record is repeated or out of order";
        }

        /**
         * Names the record at fault for a {@code prev} that did not match: the record before it when the record
         * after it confirms it ({@code nextLinkHolds}), otherwise the record itself.
         */
        private void resolveBrokenLink(boolean nextLinkHolds) {
            if (nextLinkHolds && beforeBrokenLink != null) {
                fail(badRecord(beforeBrokenLink.sequence(), beforeBrokenLink.file(), beforeBrokenLink.line(),
                        "record changed: its hash does not match the prev of record " + brokenLink.sequence()
                                + ", whose own hash matches the record after it"));
                return;
            }
            fail(badRecord(brokenLink.sequence(), brokenLink.file(), brokenLink.line(),
                    "prev does not match the hash of record " + (brokenLink.sequence() - 1)));
        }

        private void accept(Location here, AuditRecord record, byte[] bytes) {
            byte[] leaf = MerkleTree.leafHash(bytes);
            long index = tree.size();
            tree.addLeafHash(leaf);
            if (consistency != null) {
                consistency.add(index, leaf);
            }
            lastHash = here.hash();
            last = here;
            expectedSequence++;
            if (firstUncovered == null) {
                firstUncovered = here;
                firstUncoveredTime = record.time();
            }
            if (nextCheckpoint < checkpoints.size() && tree.size() == checkpoints.get(nextCheckpoint).size()) {
                reachCheckpoint();
            }
        }

        private void reachCheckpoint() {
            Checkpoint checkpoint = checkpoints.get(nextCheckpoint);
            long line = nextCheckpoint + 1;
            byte[] root = tree.root();
            if (!java.security.MessageDigest.isEqual(root, checkpoint.root())) {
                long from = nextCheckpoint == 0 ? 1 : checkpoints.get(nextCheckpoint - 1).size() + 1;
                rootMismatch = VerificationResult.badCheckpoint(tree.size(), nextCheckpoint, coveredRecords(),
                        line, "root " + checkpoint.rootHex() + " does not match the tree head of records 1 to "
                                + checkpoint.size() + " (" + RecordCodec.hex(root) + "): a record from seq " + from
                                + " to " + checkpoint.size() + " was changed after it was signed, or the"
                                + " checkpoint was forged");
                return;
            }
            if (nextCheckpoint > 0) {
                Checkpoint previous = checkpoints.get(nextCheckpoint - 1);
                if (!MerkleTree.verifyConsistency(previous.size(), checkpoint.size(), previous.root(),
                        checkpoint.root(), consistency.proof())) {
                    rootMismatch = VerificationResult.badCheckpoint(tree.size(), nextCheckpoint, coveredRecords(),
                            line, "the consistency proof from the checkpoint before it (size " + previous.size()
                                    + ") does not verify");
                    return;
                }
            }
            nextCheckpoint++;
            firstUncovered = null;
            firstUncoveredTime = null;
            consistency = nextCheckpoint < checkpoints.size()
                    ? new StreamedProof(MerkleTree.consistencyRanges(checkpoint.size(),
                            checkpoints.get(nextCheckpoint).size()), tree)
                    : null;
        }

        private void finish(List<LogFiles.Segment> segments) {
            if (brokenLink != null) {
                resolveBrokenLink(false);
                return;
            }
            if (rootMismatch != null) {
                fail(rootMismatch);
                return;
            }
            long records = tree.size();
            if (nextCheckpoint < checkpoints.size()) {
                Checkpoint beyond = checkpoints.get(checkpoints.size() - 1);
                String file = segments.isEmpty() ? LogFiles.segmentName(records + 1) : segments.get(
                        segments.size() - 1).name();
                long line = last == null || !last.file().equals(file) ? 1 : last.line() + 1;
                fail(badRecord(records + 1, file, line, "missing: the log ends after record " + records + ", but "
                        + CHECKPOINT_FILE_NAME + " line " + checkpoints.size() + " covers " + beyond.size()
                        + " records: records " + (records + 1) + " to " + beyond.size() + " were removed"));
                return;
            }
            if (firstUncovered != null && uncoveredTooOld()) {
                fail(badRecord(firstUncovered.sequence(), firstUncovered.file(), firstUncovered.line(),
                        uncoveredProblem()));
                return;
            }
            result = VerificationResult.valid(records, checkpoints.size(), coveredRecords(), limitation(records));
        }

        private boolean uncoveredTooOld() {
            Instant now = options.clock().instant();
            return firstUncoveredTime.plus(options.maxUncoveredAge()).isBefore(now);
        }

        private String uncoveredProblem() {
            String where = checkpoints.isEmpty()
                    ? (checkpointFileExists ? CHECKPOINT_FILE_NAME + " is empty" : CHECKPOINT_FILE_NAME + " is missing")
                    : "the last checkpoint covers " + coveredRecords() + " records";
            return "not covered by a checkpoint although it was written at " + firstUncoveredTime + ", more than "
                    + options.maxUncoveredAge().toSeconds() + " s ago (" + where + "). A running gateway covers"
                    + " records within its checkpoint interval and covers all of them when it closes the log, so a"
                    + " checkpoint was removed, or the gateway stopped without closing the log; after such a crash,"
                    + " starting the gateway once writes the missing checkpoint";
        }

        private String limitation(long records) {
            StringBuilder text = new StringBuilder();
            if (records == 0) {
                text.append("The log holds no records. ");
            } else if (coveredRecords() < records) {
                text.append("Records ").append(coveredRecords() + 1).append(" to ").append(records)
                        .append(" are not yet covered by a checkpoint: their hash chain is valid, but an edit to"
                                + " record ").append(records).append(" that keeps it well-formed, or records"
                                + " appended with correct prev values, are not detected until the next"
                                + " checkpoint. ");
            }
            text.append("Checks that need a copy kept elsewhere: whoever holds the audit key can rewrite the whole"
                    + " log and sign it again, and records removed from the end together with the checkpoints that"
                    + " cover them are detected only against a checkpoint kept outside this directory, such as the"
                    + " Kafka export or a saved `audit prove` output. A checkpoint line removed from between two"
                    + " others is not detected either, because the ones left still cover every record.");
            return text.toString();
        }

        private long coveredRecords() {
            return nextCheckpoint == 0 ? 0 : checkpoints.get(nextCheckpoint - 1).size();
        }

        private VerificationResult badRecord(long sequence, String file, long line, String problem) {
            return VerificationResult.badRecord(Math.max(0, sequence - 1), nextCheckpoint, coveredRecords(),
                    sequence, file, line, problem);
        }

        private void fail(VerificationResult problem) {
            if (result == null) {
                result = problem;
            }
        }
    }
}
