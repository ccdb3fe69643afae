package dev.agentgateway.audit;

/**
 * Outcome of {@link AuditVerifier#verify}.
 *
 * <p>An invalid result names the first bad record (its segment file, line and expected {@code seq}), the first
 * bad checkpoint (its line in {@code checkpoints.log}, with {@code firstBadSequence} 0), or a file that does not
 * belong in the directory (with {@code firstBadSequence} and {@code firstBadLine} 0). A valid result carries a
 * {@link #limitation()} text that states what the checks cannot show.
 *
 * @param valid whether every record and checkpoint checked out
 * @param recordsVerified number of records that checked out before the first problem
 * @param checkpointsVerified number of checkpoints whose signature, order and root checked out
 * @param coveredRecords number of records covered by the last verified checkpoint
 * @param firstBadSequence {@code seq} the first bad record should have, or 0 when valid or when a checkpoint or a
 *     file name is bad
 * @param firstBadLine 1-based line of the first bad record or checkpoint in {@link #file()}, or 0 when valid
 * @param file name of the file holding the first bad record or checkpoint, or {@code null} when valid
 * @param problem description of what is wrong, or {@code null} when valid
 * @param limitation what a valid result does not vouch for, or {@code null} when invalid
 */
public record VerificationResult(boolean valid, long recordsVerified, long checkpointsVerified, long coveredRecords,
        long firstBadSequence, long firstBadLine, String file, String problem, String limitation) {

    /** Returns a valid result. */
    static VerificationResult valid(long records, long checkpoints, long covered, String limitation) {
        return new VerificationResult(true, records, checkpoints, covered, 0, 0, null, null, limitation);
    }

    /** Returns the result for a log whose first bad record should have {@code seq} {@code sequence}. */
    static VerificationResult badRecord(long recordsVerified, long checkpoints, long covered, long sequence,
            String file, long line, String problem) {
        return new VerificationResult(false, recordsVerified, checkpoints, covered, sequence, line, file, problem,
                null);
    }

    /** Returns the result for a log whose first bad checkpoint is at {@code line} of {@code checkpoints.log}. */
    static VerificationResult badCheckpoint(long recordsVerified, long checkpoints, long covered, long line,
            String problem) {
        return new VerificationResult(false, recordsVerified, checkpoints, covered, 0, line,
                AuditVerifier.CHECKPOINT_FILE_NAME, problem, null);
    }

    /** Returns whether the first problem is a checkpoint rather than a record or a file name. */
    public boolean checkpointProblem() {
        return !valid && AuditVerifier.CHECKPOINT_FILE_NAME.equals(file);
    }

    /**
     * Returns one line for operators: the counts when valid, otherwise the bad record or checkpoint and what is
     * wrong with it.
     */
    public String summary() {
        if (valid) {
            String counts = "audit log valid: " + count(recordsVerified, "record") + ", "
                    + count(checkpointsVerified, "checkpoint") + ", " + coveredRecords
                    + " covered by the last checkpoint";
            long uncovered = recordsVerified - coveredRecords;
            return uncovered > 0 ? counts + ", " + uncovered + " not yet covered" : counts;
        }
        if (checkpointProblem()) {
            return "audit log invalid: checkpoint at " + file + " line " + firstBadLine + ": " + problem;
        }
        if (firstBadSequence == 0) {
            return "audit log invalid: file " + file + ": " + problem;
        }
        return "audit log invalid: record " + firstBadSequence + " (" + file + " line " + firstBadLine + "): "
                + problem;
    }

    private static String count(long number, String noun) {
        return number + " " + noun + (number == 1 ? "" : "s");
    }
}
