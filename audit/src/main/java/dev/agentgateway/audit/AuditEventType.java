package dev.agentgateway.audit;

import java.util.Locale;

/** Kinds of audit record. */
public enum AuditEventType {
    /** A policy or authentication decision on a tool call, written before the call is forwarded. */
    DECISION,
    /** The result of a forwarded call (status, bytes, duration), chained to its decision record. */
    OUTCOME,
    /** A token endpoint request: an issued capability token or a rejected exchange. */
    TOKEN_EXCHANGE;

    /** Returns the name written to the log, for example {@code token_exchange}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
