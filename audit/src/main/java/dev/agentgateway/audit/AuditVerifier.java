package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.ChainScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Checks an audit log's hash chain offline.
 *
 * <p>The file is streamed one line at a time. Each line must be a JSON object without duplicate member names, in
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
     * Verifies every record in {@code directory}. An empty log file is valid with 0 records. A missing one is an
     * error, because a deleted log must not pass as an intact one.
     *
     * @throws NoSuchFileException when {@code directory} or the log file {@value FileAuditLog#FILE_NAME} in it does
     *     not exist; {@link NoSuchFileException#getFile()} names the missing path
     * @throws NotDirectoryException when {@code directory} is not a directory
     */
    public static VerificationResult verify(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "audit directory not found");
        }
        if (!Files.isDirectory(directory)) {
            throw new NotDirectoryException(directory.toString());
        }
        Path file = directory.resolve(FileAuditLog.FILE_NAME);
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "audit log not found");
        }
        ChainScanner.Result scan =
                ChainScanner.scan(Files.newInputStream(file), ChainScanner.Mode.STOP_AT_FIRST_PROBLEM);
        ChainScanner.Problem problem = scan.problem();
        if (problem == null) {
            return VerificationResult.valid(scan.recordsVerified());
        }
        return VerificationResult.invalid(scan.recordsVerified(), problem.expectedSequence(), problem.line(),
                FileAuditLog.FILE_NAME, problem.text());
    }
}
