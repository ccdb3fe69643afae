package dev.agentgateway.audit;

/**
 * Outcome of {@link AuditVerifier#verify}.
 *
 * <p>A valid result does not vouch for the content of the last record, because no later record's {@code prev}
 * covers it. An edit to it that keeps it well-formed goes unnoticed, and so do forged records appended with
 * correct {@code prev} values. {@link #limitation()} states this for the record concerned.
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

    /** Returns the result for a log whose {@code records} records all checked out. */
    public static VerificationResult valid(long records) {
        return new VerificationResult(true, records, 0, 0, null, null);
    }

    /** Returns the result for a log whose first bad record is at {@code line} of {@code file}. */
    public static VerificationResult invalid(long recordsVerified, long firstBadSequence, long firstBadLine,
            String file, String problem) {
        return new VerificationResult(false, recordsVerified, firstBadSequence, firstBadLine, file, problem);
    }

    /**
     * Describes what a valid result leaves unchecked, or returns {@code null} when nothing is (an invalid result
     * or an empty log).
     */
    public String limitation() {
        if (!valid || recordsVerified == 0) {
            return null;
        }
        return "record " + recordsVerified + " is the last record: no later record's prev covers it, so an edit"
                + " to it that keeps it well-formed is not detected, and neither are forged records appended"
                + " with correct prev values";
    }
}
