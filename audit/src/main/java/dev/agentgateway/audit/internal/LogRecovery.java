package dev.agentgateway.audit.internal;

import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.internal.Segments.Segment;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every segment of an audit log when it is opened, to find where the chain continues: the last record's seq
 * and hash, and the newest segment's size and age. Cuts an incomplete last line of the newest segment, left by a
 * crash during a write, and deletes the newest segment when nothing else is left in it.
 */
public final class LogRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(LogRecovery.class);

    /**
     * Chain head and newest segment found at open.
     *
     * @param lastSequence seq of the last record, 0 for an empty log
     * @param lastHash SHA-256 of the last record's bytes, or 32 zero bytes for an empty log
     * @param newest the newest segment, or {@code null} when the log has none
     * @param newestSize bytes of whole records in the newest segment
     * @param newestFirstTime time of the newest segment's first record, or {@code null} when there is no segment
     * @param latestTime latest {@code time} of any valid record, or {@code null} when there is none
     */
    public record State(long lastSequence, byte[] lastHash, Segment newest, long newestSize, Instant newestFirstTime,
            Instant latestTime) {
    }

    /** Receives each record read at open, in seq order. */
    @FunctionalInterface
    public interface RecordVisitor {
        /**
         * Receives the record at position {@code sequence}.
         *
         * @param time the record's {@code time}, or {@code null} when the line is not a valid record
         * @throws IOException to stop the recovery and fail the open
         */
        void visit(long sequence, byte[] bytes, Instant time) throws IOException;
    }

    private LogRecovery() {
    }

    /**
     * Reads the log in {@code directory}, passing each record to {@code records} in seq order.
     *
     * <p>A record that is not a valid, canonical record with the right seq and prev is logged at error level
     * (once, for the first such record) but still counted by its position, so new records continue the chain from
     * the last line and {@code audit verify} can point at the problem.
     *
     * @throws IOException when a segment cannot be read or written, segment names leave a gap or an overlap, an
     *     older segment is empty or ends in an incomplete line, or a line exceeds the maximum record size
     */
    public static State recover(Path directory, RecordVisitor records) throws IOException {
        List<Segment> segments = Segments.list(directory);
        long expectedFirst = 1;
        String previousHash = RecordCodec.FIRST_PREV;
        boolean reported = false;
        Segment newest = null;
        long newestSize = 0;
        Instant newestFirstTime = null;
        Instant latestTime = null;
        for (int i = 0; i < segments.size(); i++) {
            Segment segment = segments.get(i);
            boolean last = i == segments.size() - 1;
            if (segment.firstSequence() != expectedFirst) {
                throw new IOException("audit segment " + segment.path() + " starts at seq "
                        + segment.firstSequence() + " (expected: " + expectedFirst + "): records are missing or"
                        + " segments overlap. Run audit verify on " + directory + " and restore the missing segment");
            }
            SegmentScan scan = scan(segment, previousHash, !reported, records);
            reported |= scan.problemReported;
            if (scan.latestTime != null && (latestTime == null || scan.latestTime.isAfter(latestTime))) {
                latestTime = scan.latestTime;
            }
            if (scan.tornBytes > 0) {
                if (!last) {
                    throw new IOException("audit segment " + segment.path() + " ends in an incomplete line of "
                            + scan.tornBytes + " bytes although a newer segment follows it. Run audit verify on "
                            + directory);
                }
                cut(segment.path(), scan.size);
            }
            if (scan.count == 0) {
                if (!last) {
                    throw new IOException("audit segment " + segment.path() + " contains no record although a newer"
                            + " segment follows it. Run audit verify on " + directory);
                }
                Files.delete(segment.path());
                LOG.warn("Deleted empty newest audit segment {}, left by a crash before its first record was"
                        + " written", segment.path());
                break;
            }
            previousHash = scan.lastHash;
            expectedFirst = segment.firstSequence() + scan.count;
            newest = segment;
            newestSize = scan.size;
            newestFirstTime = scan.firstTime;
        }
        byte[] lastHash = RecordCodec.unhex(previousHash);
        return new State(expectedFirst - 1, lastHash, newest, newestSize, newestFirstTime, latestTime);
    }

    private static final class SegmentScan {
        long count;
        long size;
        long tornBytes;
        String lastHash;
        Instant firstTime;
        Instant latestTime;
        /** Time of the record just checked, or {@code null} when it is not valid. */
        Instant recordTime;
        boolean problemReported;
    }

    private static SegmentScan scan(Segment segment, String previousHash, boolean reportProblem,
            RecordVisitor records) throws IOException {
        SegmentScan scan = new SegmentScan();
        scan.lastHash = previousHash;
        try (LineReader reader = new LineReader(RegularFiles.newInputStream(segment.path(), "audit segment"),
                RecordCodec.MAX_LINE_BYTES)) {
            LineReader.Line line;
            while ((line = reader.next()) != null) {
                if (!line.terminated()) {
                    scan.tornBytes = line.length();
                    break;
                }
                if (line.bytes() == null) {
                    throw new IOException("audit segment " + segment.path() + " line " + line.number() + " is "
                            + line.length() + " bytes long (maximum: " + RecordCodec.MAX_LINE_BYTES
                            + "), so it was not written by the gateway. Run audit verify on it");
                }
                long sequence = segment.firstSequence() + scan.count;
                String problem = check(line, sequence, scan.lastHash, scan);
                if (problem != null && reportProblem && !scan.problemReported) {
                    LOG.error("Audit segment {} line {} (seq {}) is not a valid record: {}. Run audit verify to inspect"
                            + " the log", segment.path(), line.number(), sequence, problem);
                    scan.problemReported = true;
                }
                records.visit(sequence, line.bytes(), scan.recordTime);
                scan.count++;
                scan.size += line.length() + 1;
                scan.lastHash = line.hash();
            }
        }
        return scan;
    }

    private static String check(LineReader.Line line, long sequence, String previousHash, SegmentScan scan) {
        scan.recordTime = null;
        AuditRecord record;
        try {
            record = RecordCodec.decode(line.bytes(), line.hash());
        } catch (RecordFormatException e) {
            return e.getMessage();
        }
        scan.recordTime = record.time();
        if (scan.latestTime == null || record.time().isAfter(scan.latestTime)) {
            scan.latestTime = record.time();
        }
        if (scan.count == 0) {
            scan.firstTime = record.time();
        }
        if (record.sequence() != sequence) {
            return "seq is " + record.sequence() + " (expected: " + sequence + ")";
        }
        if (!record.prev().equals(previousHash)) {
            return "prev does not match the hash of record " + (sequence - 1);
        }
        return null;
    }

    /** Cuts {@code file} to {@code size} bytes, forces it to disk and logs what was cut. */
    private static void cut(Path file, long size) throws IOException {
        try (FileChannel channel = RegularFiles.open(file, "audit segment", Set.of(StandardOpenOption.WRITE))) {
            long cut = channel.size() - size;
            channel.truncate(size);
            channel.force(true);
            LOG.warn("Audit segment {} ended in an incomplete line: cut {} bytes, keeping {} bytes of whole records",
                    file, cut, size);
        }
    }
}
