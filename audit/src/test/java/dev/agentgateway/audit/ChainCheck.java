package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.ChainScanner;
import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.audit.internal.Segments;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Hash-chain check across the segments of a log, without checkpoints or keys, for the writer's own tests.
 * {@link AuditVerifier} does the full verification.
 */
final class ChainCheck {

    private ChainCheck() {
    }

    record Result(boolean valid, long recordsVerified, long firstBadSequence, long firstBadLine, String file,
            String problem) {

        static Result valid(long records) {
            return new Result(true, records, 0, 0, null, null);
        }
    }

    static Result verify(Path directory) throws IOException {
        List<Segments.Segment> segments = Segments.list(directory);
        long verified = 0;
        String previousHash = RecordCodec.FIRST_PREV;
        for (Segments.Segment segment : segments) {
            long expected = verified + 1;
            if (segment.firstSequence() != expected) {
                return new Result(false, verified, expected, 1, segment.fileName(), "segment starts at seq "
                        + segment.firstSequence() + " (expected: " + expected + ")");
            }
            try (InputStream in = Files.newInputStream(segment.path())) {
                ChainScanner.Result scan = ChainScanner.scan(in, ChainScanner.Mode.STOP_AT_FIRST_PROBLEM, expected,
                        previousHash);
                ChainScanner.Problem problem = scan.problem();
                if (problem != null) {
                    return new Result(false, verified + scan.recordsVerified(), problem.expectedSequence(),
                            problem.line(), segment.fileName(), problem.text());
                }
                verified += scan.recordsVerified();
                previousHash = scan.lastLineHash();
            }
        }
        return Result.valid(verified);
    }
}
