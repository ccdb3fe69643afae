package dev.agentgateway.policy;

import java.util.Locale;

/** The authority a denied request lacked, named in problem details so an agent can act on the denial. */
public enum MissingAuthority {
    /** The request carried no credentials and no rule admits anonymous callers. */
    AUTHENTICATION,
    /** A rule would admit the request for an on-call operator, and the principal is not one. */
    OPERATOR_MODE,
    /** The principal is on call but its login is not strong or recent enough (RFC 9470 step-up). */
    STEP_UP,
    /** A rule would admit the request if the capability token carried the rule's scope. */
    SCOPE,
    /** Only a step of an approved runbook could admit the request. */
    RUNBOOK_STEP,
    /** No rule admits this principal for this tool, method and path. */
    RULE;

    /** Returns the wire name used in problem details and audit records, for example {@code operator_mode}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
