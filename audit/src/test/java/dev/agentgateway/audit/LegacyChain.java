package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.ChainScanner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hash-chain check of the single-file log that {@link FileAuditLog} writes until it moves to segments, for its
 * own tests. {@link AuditVerifier} reads only the segmented format.
 */
final class LegacyChain {

    private LegacyChain() {
    }

    record Result(boolean valid, long recordsVerified, long firstBadLine, String problem) {

        static Result valid(long records) {
            return new Result(true, records, 0, null);
        }
    }

    static Result verify(Path directory) throws IOException {
        Path file = directory.resolve(FileAuditLog.FILE_NAME);
        if (!Files.exists(file)) {
            return Result.valid(0);
        }
        try (InputStream in = Files.newInputStream(file)) {
            ChainScanner.Result scan = ChainScanner.scan(in, ChainScanner.Mode.STOP_AT_FIRST_PROBLEM);
            ChainScanner.Problem problem = scan.problem();
            return problem == null ? Result.valid(scan.recordsVerified())
                    : new Result(false, scan.recordsVerified(), problem.line(), problem.text());
        }
    }
}
