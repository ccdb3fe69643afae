package dev.agentgateway.audit.internal;

import dev.agentgateway.audit.AuditRecord;
import java.io.IOException;
import java.io.InputStream;

/**
 * Walks an audit log's lines in one streaming pass and checks the hash chain: each line must be a canonical
 * record whose {@code seq} is its position and whose {@code prev} is the SHA-256 of the line before it. Only
 * one line is held in memory at a time.
 */
public final class ChainScanner {

    /** How far to read once a problem is found. */
    public enum Mode {
        /** Stop at the first bad record; the last-line fields of the result then describe that record. */
        STOP_AT_FIRST_PROBLEM,
        /** Hash every line to the end, so the result describes the true last line. */
        READ_TO_END
    }

    /**
     * The first bad record.
     *
     * @param expectedSequence sequence number the record at that position should have
     * @param line 1-based line number
     * @param text readable description of what is wrong
     */
    public record Problem(long expectedSequence, long line, String text) {
    }

    /**
     * Outcome of a scan.
     *
     * @param recordsVerified records that checked out before the first problem
     * @param problem the first problem, or {@code null} when the whole chain checked out
     * @param lineCount lines read
     * @param lastLineHash SHA-256 of the last line read, or {@link RecordCodec#FIRST_PREV} when there was none
     * @param lastLineSequence {@code seq} of the last line read, or 0 when it has none that can be read
     */
    public record Result(long recordsVerified, Problem problem, long lineCount, String lastLineHash,
            long lastLineSequence) {
    }

    private static final String PREV_MISMATCH = "prev does not match the hash of record";

    private ChainScanner() {
    }

    /** Scans the lines of {@code in}, the first segment of a log, and closes it. */
    public static Result scan(InputStream in, Mode mode) throws IOException {
        return scan(in, mode, 1, RecordCodec.FIRST_PREV);
    }

    /**
     * Scans the lines of {@code in}, a segment whose first record should have seq {@code firstSequence} and chain
     * to {@code previousHash}, and closes it.
     */
    public static Result scan(InputStream in, Mode mode, long firstSequence, String previousHash)
            throws IOException {
        long verified = 0;
        Problem problem = null;
        LineReader.Line last = null;
        try (LineReader reader = new LineReader(in, RecordCodec.MAX_LINE_BYTES)) {
            LineReader.Line line;
            while ((line = reader.next()) != null) {
                last = line;
                if (problem != null) {
                    continue;
                }
                String text = check(line, firstSequence + verified, previousHash);
                if (text == null) {
                    verified++;
                    previousHash = line.hash();
                    continue;
                }
                problem = new Problem(firstSequence + verified, line.number(), text);
                if (text.startsWith(PREV_MISMATCH) && verified > 0) {
                    LineReader.Line next = reader.next();
                    if (next != null) {
                        last = next;
                        problem = locateEdit(problem, line, next);
                        verified = problem.expectedSequence() - firstSequence;
                    }
                }
                if (mode == Mode.STOP_AT_FIRST_PROBLEM) {
                    break;
                }
            }
        }
        if (last == null) {
            return new Result(0, null, 0, previousHash, 0);
        }
        long lastSequence = problem == null ? firstSequence + verified - 1 : RecordCodec.sequenceOf(last.bytes());
        return new Result(verified, problem, last.number(), last.hash(), lastSequence);
    }

    private static String check(LineReader.Line line, long expectedSequence, String previousHash) {
        if (!line.terminated()) {
            return "final line is incomplete";
        }
        if (line.bytes() == null) {
            return "line is " + line.length() + " bytes long (maximum: " + RecordCodec.MAX_LINE_BYTES + ")";
        }
        AuditRecord record;
        try {
            record = RecordCodec.decode(line.bytes(), line.hash());
        } catch (RecordFormatException e) {
            return e.getMessage();
        }
        if (record.sequence() != expectedSequence) {
            return "seq is " + record.sequence() + " (expected: " + expectedSequence + ")";
        }
        if (!record.prev().equals(previousHash)) {
            return prevMismatch(expectedSequence);
        }
        return null;
    }

    /**
     * Narrows a broken link between records {@code s - 1} and {@code s} down to one record by looking at the link
     * after it. When record {@code s + 1}'s {@code prev} still matches record {@code s}, record {@code s} is as it
     * was written, so record {@code s - 1} is the one that changed. Otherwise record {@code s} changed (its
     * {@code prev}, or more), and the problem stays on it.
     */
    private static Problem locateEdit(Problem problem, LineReader.Line line, LineReader.Line next) {
        if (!next.terminated() || next.bytes() == null) {
            return problem;
        }
        AuditRecord following;
        try {
            following = RecordCodec.decode(next.bytes(), next.hash());
        } catch (RecordFormatException e) {
            return problem;
        }
        if (!following.prev().equals(line.hash())) {
            return problem;
        }
        long edited = problem.expectedSequence() - 1;
        return new Problem(edited, line.number() - 1, "record " + edited + " was modified: its hash no longer"
                + " matches the prev of record " + problem.expectedSequence() + ", which itself is intact");
    }

    private static String prevMismatch(long sequence) {
        if (sequence == 1) {
            return "prev is not 64 zeros as the first record's must be: record 1's prev was altered"
                    + " or records before it were removed";
        }
        long previous = sequence - 1;
        return PREV_MISMATCH + " " + previous + ": record " + previous
                + " was modified or record " + sequence + "'s prev was altered";
    }
}
