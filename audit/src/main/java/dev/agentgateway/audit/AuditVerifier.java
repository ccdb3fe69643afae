package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.ChainScanner;
import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.audit.internal.Segments;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks an audit log's hash chain offline.
 *
 * <p>The segments are streamed one line at a time. Each line must be a JSON object without duplicate member names, in
 * the exact form the log writes, with the required members, a {@code seq} equal to its position and a
 * {@code prev} equal to the SHA-256 of the line before it. The file must end with {@code \n}. An edit to a record
 * either breaks that record's own checks or, when it leaves a well-formed record, breaks the {@code prev} of the
 * next one. The link after that decides which of the two is named. When it holds, the next record is intact, so
 * the edited record is named. Otherwise the next record is named.
 *
 * <p>NOTE: a hash chain cannot detect an edit to the last record that keeps it well-formed, nor forged records
 * appended at the end with correct {@code prev} values, because nothing after them covers their hash. Nor can it
 * detect a log rewritten from some record onwards with every hash recomputed.
 * {@link VerificationResult#limitation()} states this for every valid, non-empty log. Detecting these needs a signed
 * checkpoint of the chain head stored apart from the log, which this verifier does not check yet.
 */
public final class AuditVerifier {

    private AuditVerifier() {
    }

    /**
     * Verifies every record in the segments of {@code directory}, following the chain across segments. Each
     * segment's name must give the seq of its first record, and the segments must follow each other without a gap.
     *
     * @throws NoSuchFileException when {@code directory} does not exist or holds no segment file, because a deleted
     *     log must not pass as an intact one; {@link NoSuchFileException#getFile()} names the missing path
     * @throws NotDirectoryException when {@code directory} is not a directory
     * @throws IOException when the directory holds a log of the earlier single-file format
     */
    public static VerificationResult verify(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "audit directory not found");
        }
        if (!Files.isDirectory(directory)) {
            throw new NotDirectoryException(directory.toString());
        }
        Segments.rejectLegacyLog(directory);
        List<Segments.Segment> segments = Segments.list(directory);
        if (segments.isEmpty()) {
            throw new NoSuchFileException(directory.resolve(Segments.fileName(1)).toString(), null,
                    "audit log not found");
        }
        long verified = 0;
        String previousHash = RecordCodec.FIRST_PREV;
        for (Segments.Segment segment : segments) {
            long expected = verified + 1;
            if (segment.firstSequence() != expected) {
                return VerificationResult.invalid(verified, expected, 1, segment.fileName(), "segment starts at seq "
                        + segment.firstSequence() + " (expected: " + expected + "): records are missing or overlap");
            }
            ChainScanner.Result scan = ChainScanner.scan(Files.newInputStream(segment.path()),
                    ChainScanner.Mode.STOP_AT_FIRST_PROBLEM, expected, previousHash);
            ChainScanner.Problem problem = scan.problem();
            if (problem != null) {
                return VerificationResult.invalid(verified + scan.recordsVerified(), problem.expectedSequence(),
                        problem.line(), segment.fileName(), problem.text());
            }
            verified += scan.recordsVerified();
            previousHash = scan.lastLineHash();
        }
        return VerificationResult.valid(verified);
    }
}
