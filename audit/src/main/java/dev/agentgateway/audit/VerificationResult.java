package dev.agentgateway.audit;

/**
 * Outcome of {@link AuditVerifier#verify}.
 *
 * @param valid whether every record checked out
 * @param recordsVerified number of records that checked out before the first bad one
 * @param firstBadSequence sequence number of the first bad record (as expected from its position), or 0 when
 *     valid
 * @param firstBadLine 1-based line number of the first bad record in its file, or 0 when valid
 * @param file name of the file holding the first bad record, or {@code null} when valid
 * @param problem readable description of what is wrong with it, or {@code null} when valid
 */
public record VerificationResult(boolean valid, long recordsVerified, long firstBadSequence, long firstBadLine,
        String file, String problem) {
}
