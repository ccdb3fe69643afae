package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.policy.Actor;
import dev.agentgateway.policy.Decision;
import dev.agentgateway.token.VerifiedCall;

/** Builds the audit events of the agent listener from what an {@link Exchange} carries. No secrets go in. */
final class AuditEvents {

    static final String ALLOW = "allow";
    static final String DENY = "deny";

    private AuditEvents() {
    }

    /**
     * Returns a {@code DECISION} builder with the call's identity, target, token ids and the hashes of the
     * presented token and proof filled in.
     */
    static AuditEvent.Builder decision(Exchange exchange, String decision) {
        AuditEvent.Builder event = AuditEvent.builder(AuditEventType.DECISION, exchange.requestId())
                .principal(exchange.principal().displayName())
                .actor(actorName(exchange.actor()))
                .tool(exchange.route() == null ? null : exchange.route().tool())
                .method(exchange.method())
                .path(exchange.target() == null ? null : exchange.target().path())
                .decision(decision)
                .tokenHash(CredentialHashes.tokenHash(exchange.request().headers()))
                .proofHash(CredentialHashes.proofHash(exchange.request().headers()));
        VerifiedCall call = exchange.call();
        if (call != null) {
            event.tokenId(call.tokenId()).proofId(call.proofId()).keyThumbprint(call.keyThumbprint());
        }
        Decision policyDecision = exchange.decision();
        if (policyDecision != null) {
            event.rule(policyDecision.ruleId());
            if (!policyDecision.allowed()) {
                event.reason(policyDecision.reason()).missingAuthority(policyDecision.missingAuthority().wireName());
            }
        }
        return event;
    }

    /**
     * Returns a {@code DECISION} deny builder for a request whose credentials failed verification. The record names
     * no principal: the caller is unknown, but it presented credentials, so recording it as anonymous would be
     * wrong.
     */
    static AuditEvent.Builder authenticationFailure(Exchange exchange) {
        return decision(exchange, DENY).principal(null);
    }

    /**
     * Returns the {@code OUTCOME} event of a call that was allowed and audited.
     *
     * @param status status sent to the client, or {@code null} when no response was sent
     * @param reason why the call ended abnormally, or {@code null}
     */
    static AuditEvent outcome(Exchange exchange, Integer status, long responseBytes, long durationMillis,
            String reason) {
        return AuditEvent.builder(AuditEventType.OUTCOME, exchange.requestId())
                .principal(exchange.principal().displayName())
                .tool(exchange.route().tool())
                .method(exchange.method())
                .path(exchange.target().path())
                .status(status)
                .responseBytes(responseBytes)
                .durationMillis(durationMillis)
                .reason(reason)
                .decisionRecordId(exchange.decisionRecord().id())
                .build();
    }

    /** Returns {@code subject (issuer)} of {@code actor}, or {@code null} when there is none. */
    static String actorName(Actor actor) {
        return actor == null ? null : actor.subject() + " (" + actor.issuer() + ")";
    }
}
