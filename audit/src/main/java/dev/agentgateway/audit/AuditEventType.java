package dev.agentgateway.audit;

import java.util.Locale;

/** Kinds of audit record. */
public enum AuditEventType {
    /** A policy or authentication decision on a tool call, written before the call is forwarded. */
    DECISION,
    /** The result of a forwarded call (status, bytes, duration), chained to its decision record. */
    OUTCOME,
    /** A token endpoint request: an issued capability token or a rejected exchange. */
    TOKEN_EXCHANGE,
    /**
     * A change of the audit key, written by {@code audit seal} after the newest checkpoint was verified with the
     * earlier key, so that the first checkpoint of the new key covers a record of the change.
     */
    AUDIT_KEY_CHANGE;

    /** Returns the name written to the log, for example {@code token_exchange}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
