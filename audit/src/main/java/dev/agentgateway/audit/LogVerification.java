package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.Segments;
import dev.agentgateway.audit.internal.LineReader;
import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.audit.internal.RecordFormatException;
import dev.agentgateway.audit.internal.RegularFiles;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;

/** One verification run of {@link AuditVerifier} and its streaming state. */
final class LogVerification {

    /** Location of one record. */
    private record Location(String file, long line, long sequence, String hash) {
    }

    private final LogFiles files;
    private final CheckpointLines lines;
    private final AuditVerifier.Options options;
    /** Latest record time accepted: the verifier's clock plus {@link AuditVerifier#MAX_CLOCK_AHEAD}. */
    private final Instant latestAllowed;

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
    private Instant lastTime;

    /** A record whose {@code prev} did not match, waiting for the next record to say which one to name. */
    private Location brokenLink;
    private Location beforeBrokenLink;
    /** A checkpoint whose root did not match, reported unless the next record breaks the chain. */
    private VerificationResult rootMismatch;

    /** Length of an incomplete last line of the newest segment, or -1 when it ends with a whole record. */
    private long incompleteTail = -1;

    private VerificationResult result;

    /**
     * Prepares a run over {@code files} with the checkpoints {@code lines}, which were read before {@code files}
     * were listed.
     */
    LogVerification(LogFiles files, CheckpointLines lines, AuditVerifier.Options options) {
        this.files = files;
        this.lines = lines;
        this.options = options;
        this.latestAllowed = options.clock().instant().plus(AuditVerifier.MAX_CLOCK_AHEAD);
    }

    VerificationResult run() throws IOException {
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
        List<Segments.Segment> segments = files.segments();
        for (int i = 0; i < segments.size() && result == null; i++) {
            readSegment(segments.get(i), i == segments.size() - 1);
        }
        if (result == null) {
            finish(segments);
        }
        return result;
    }

    private void readSegment(Segments.Segment segment, boolean newest) throws IOException {
        if (brokenLink == null && segment.firstSequence() != expectedSequence) {
            fail(badRecord(expectedSequence, segment.fileName(), 1, segmentNameProblem(segment)));
            return;
        }
        boolean empty = true;
        try (InputStream in = RegularFiles.newInputStream(segment.path(), "audit segment");
                LineReader reader = new LineReader(in, RecordCodec.MAX_LINE_BYTES)) {
            for (LineReader.Line line = reader.next(); line != null && result == null; line = reader.next()) {
                if (empty && brokenLink == null && !lineStartsWith(line, segment.firstSequence())) {
                    fail(badRecord(expectedSequence, segment.fileName(), 1, firstRecordProblem(segment, line)));
                    return;
                }
                empty = false;
                if (newest && !line.terminated() && brokenLink == null) {
                    incompleteTail = line.length();
                    break;
                }
                readRecord(segment.fileName(), line);
            }
        }
        if (empty && !newest && result == null) {
            fail(badRecord(expectedSequence, segment.fileName(), 1, "segment is empty (expected: at least one"
                    + " record, because only the newest segment may be left empty by a crash)"));
        }
    }

    private String segmentNameProblem(Segments.Segment segment) {
        long previousEnd = expectedSequence - 1;
        if (segment.firstSequence() > expectedSequence) {
            return "segment " + segment.fileName() + " starts at seq " + segment.firstSequence() + ", but the"
                    + " records before it end at seq " + previousEnd + ": records " + expectedSequence + " to "
                    + (segment.firstSequence() - 1) + " are missing (a segment was deleted or renamed)";
        }
        return "segment " + segment.fileName() + " starts at seq " + segment.firstSequence() + ", but the records"
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

    private String firstRecordProblem(Segments.Segment segment, LineReader.Line line) {
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
        if (problem == null && brokenLink == null) {
            problem = timeProblem(record.time());
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

    /**
     * Checks that a record's time is not before the previous record's, as the writer never assigns such a time,
     * and not after now plus {@link AuditVerifier#MAX_CLOCK_AHEAD}.
     */
    private String timeProblem(Instant time) {
        if (lastTime != null && time.isBefore(lastTime)) {
            return "time " + time + " is before " + lastTime + ", the time of the record before it (the writer"
                    + " never assigns a time earlier than the last one, so the record was added or edited)";
        }
        if (time.isAfter(latestAllowed)) {
            return "time " + time + " is after " + latestAllowed + ", the verifier's current time plus "
                    + AuditVerifier.MAX_CLOCK_AHEAD.toSeconds() + " s (the record was added or edited, or the"
                    + " clock of the writing host or of this one is wrong)";
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
        lastTime = record.time();
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
        if (!MessageDigest.isEqual(root, checkpoint.root())) {
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

    private void finish(List<Segments.Segment> segments) {
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
                    segments.size() - 1).fileName();
            long line = last == null || !last.file().equals(file) ? 1 : last.line() + 1;
            fail(badRecord(records + 1, file, line, "missing: the log ends after record " + records + ", but "
                    + AuditVerifier.CHECKPOINT_FILE_NAME + " line " + checkpoints.size() + " covers " + beyond.size()
                    + " records: records " + (records + 1) + " to " + beyond.size() + " were removed"));
            return;
        }
        if (firstUncovered != null && nextCheckpoint > 0
                && firstUncoveredTime.isBefore(checkpoints.get(nextCheckpoint - 1).time())) {
            // The writer dates every record at or after the checkpoint before it, so a crash cannot explain this.
            fail(badRecord(firstUncovered.sequence(), firstUncovered.file(), firstUncovered.line(),
                    "not covered by a checkpoint, and its time " + firstUncoveredTime + " is before the time of the"
                            + " last checkpoint (" + checkpoints.get(nextCheckpoint - 1).time() + "): the gateway"
                            + " dates each record at or after the checkpoint before it, so the record was added"
                            + " outside the gateway"));
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
                ? AuditVerifier.CHECKPOINT_FILE_NAME + (checkpointFileExists ? " is empty" : " is missing")
                : "the last checkpoint covers " + coveredRecords() + " records";
        return "not covered by a checkpoint although it was written at " + firstUncoveredTime + ", more than "
                + options.maxUncoveredAge().toSeconds() + " s ago (" + where + "). A running gateway covers"
                + " records within its checkpoint interval and covers all of them when it closes the log, so a"
                + " checkpoint was removed, or the gateway stopped without closing the log. The gateway does not"
                + " start on such a log: check these records (audit tail --since " + firstUncoveredTime + ", and the"
                + " Kafka export when it is configured), then run audit seal to sign them into a checkpoint";
    }

    private String limitation(long records) {
        StringBuilder text = new StringBuilder();
        if (incompleteTail >= 0) {
            text.append("The newest segment ends with an incomplete line of ").append(incompleteTail)
                    .append(" bytes, which was not checked: a write in progress, or one cut short by a crash,"
                            + " which the gateway removes when it next opens the log. ");
        }
        if (lines.incompleteTail() >= 0) {
            text.append(AuditVerifier.CHECKPOINT_FILE_NAME).append(" ends with an incomplete line of ")
                    .append(lines.incompleteTail()).append(" bytes, which was not checked: a checkpoint being"
                            + " written, or one cut short by a crash or a failed write, which the gateway removes"
                            + " before it writes the next checkpoint. ");
        }
        if (records == 0) {
            text.append("The log contains no records. ");
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
                + " Kafka export or a saved `audit prove` output.");
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
