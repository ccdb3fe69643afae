package dev.agentgateway.audit;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * Selects audit records for {@code audit tail} and the admin {@code /audit/stream}. Every criterion is optional
 * ({@code null} accepts every record) and a record must meet all that are set. String criteria match the recorded
 * member exactly, case included: {@code principal} is the recorded display name, for example
 * {@code alice (https://idp.example)}; {@code tool} is the route's tool name; {@code decision} is {@code allow} or
 * {@code deny}, so records without a decision (outcomes) never match it.
 *
 * @param since earliest record time, inclusive, or {@code null}
 * @param principal recorded {@code principal}, or {@code null}
 * @param tool recorded {@code tool}, or {@code null}
 * @param decision {@code allow} or {@code deny}, or {@code null}
 */
public record AuditFilter(Instant since, String principal, String tool, String decision) {

    /** Filter that accepts every record. */
    public static final AuditFilter ALL = new AuditFilter(null, null, null, null);

    public AuditFilter {
        if (decision != null && !decision.equals("allow") && !decision.equals("deny")) {
            throw new IllegalArgumentException("decision: \"" + AuditPrinter.escape(decision)
                    + "\" (expected: allow or deny)");
        }
    }

    /** Returns whether {@code record} meets every criterion that is set. */
    public boolean matches(AuditRecord record) {
        AuditEvent event = record.event();
        return (since == null || !record.time().isBefore(since))
                && (principal == null || principal.equals(event.principal()))
                && (tool == null || tool.equals(event.tool()))
                && (decision == null || decision.equals(event.decision()));
    }

    /**
     * Parses an RFC 3339 date-time with an offset, for example {@code 2026-12-04T20:30:00Z} or
     * {@code 2026-12-04T21:30:00.5+01:00}.
     *
     * @param name the option or parameter that gave {@code text}, for example {@code --since}; the error message
     *     starts with it
     * @param text the date-time to parse
     * @throws IllegalArgumentException naming {@code name} and the rejected text
     */
    public static Instant parseTime(String name, String text) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(text, "text");
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + ": \"" + AuditPrinter.escape(text)
                    + "\" is not an RFC 3339 date-time (expected: for example 2026-12-04T20:30:00Z)", e);
        }
    }
}
