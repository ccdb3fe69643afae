package dev.agentgateway.audit;

import java.util.Objects;

/**
 * One event to append. Every field except {@code type} and {@code requestId} may be {@code null} when it does
 * not apply. No field may hold a token, proof, key or credential: identify tokens by their {@code jti} or hash.
 *
 * @param type kind of record
 * @param requestId gateway-assigned id of the HTTP request
 * @param principal principal display name, for example {@code alice (https://idp.example)}
 * @param actor actor display name
 * @param tool tool name
 * @param method HTTP method
 * @param path normalized request path
 * @param decision {@code allow} or {@code deny}
 * @param rule id of the policy rule that decided
 * @param reason readable reason of a denial or an error
 * @param missingAuthority wire name of the missing authority on a denial
 * @param tokenId capability token {@code jti}
 * @param proofId DPoP proof {@code jti}
 * @param keyThumbprint proof key thumbprint ({@code jkt})
 * @param tokenHash base64url SHA-256 of the presented capability token's compact serialization, as in DPoP
 *     {@code ath}; the token itself is never written
 * @param proofHash base64url SHA-256 of the presented DPoP proof's compact serialization
 * @param status HTTP status sent to the client (outcome and rejected exchange records)
 * @param durationMillis time from request start to response end (outcome records)
 * @param responseBytes response body bytes sent to the client (outcome records)
 * @param decisionRecordId id of the decision record an outcome belongs to
 */
public record AuditEvent(
        AuditEventType type,
        String requestId,
        String principal,
        String actor,
        String tool,
        String method,
        String path,
        String decision,
        String rule,
        String reason,
        String missingAuthority,
        String tokenId,
        String proofId,
        String keyThumbprint,
        String tokenHash,
        String proofHash,
        Integer status,
        Long durationMillis,
        Long responseBytes,
        String decisionRecordId) {

    public AuditEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(requestId, "requestId");
    }

    /** Returns a builder for an event of {@code type} on request {@code requestId}. */
    public static Builder builder(AuditEventType type, String requestId) {
        return new Builder(type, requestId);
    }

    /** Builder for {@link AuditEvent}; unset fields stay {@code null}. */
    public static final class Builder {
        private final AuditEventType type;
        private final String requestId;
        private String principal;
        private String actor;
        private String tool;
        private String method;
        private String path;
        private String decision;
        private String rule;
        private String reason;
        private String missingAuthority;
        private String tokenId;
        private String proofId;
        private String keyThumbprint;
        private String tokenHash;
        private String proofHash;
        private Integer status;
        private Long durationMillis;
        private Long responseBytes;
        private String decisionRecordId;

        private Builder(AuditEventType type, String requestId) {
            this.type = Objects.requireNonNull(type, "type");
            this.requestId = Objects.requireNonNull(requestId, "requestId");
        }

        public Builder principal(String value) {
            this.principal = value;
            return this;
        }

        public Builder actor(String value) {
            this.actor = value;
            return this;
        }

        public Builder tool(String value) {
            this.tool = value;
            return this;
        }

        public Builder method(String value) {
            this.method = value;
            return this;
        }

        public Builder path(String value) {
            this.path = value;
            return this;
        }

        public Builder decision(String value) {
            this.decision = value;
            return this;
        }

        public Builder rule(String value) {
            this.rule = value;
            return this;
        }

        public Builder reason(String value) {
            this.reason = value;
            return this;
        }

        public Builder missingAuthority(String value) {
            this.missingAuthority = value;
            return this;
        }

        public Builder tokenId(String value) {
            this.tokenId = value;
            return this;
        }

        public Builder proofId(String value) {
            this.proofId = value;
            return this;
        }

        public Builder keyThumbprint(String value) {
            this.keyThumbprint = value;
            return this;
        }

        public Builder tokenHash(String value) {
            this.tokenHash = value;
            return this;
        }

        public Builder proofHash(String value) {
            this.proofHash = value;
            return this;
        }

        public Builder status(Integer value) {
            this.status = value;
            return this;
        }

        public Builder durationMillis(Long value) {
            this.durationMillis = value;
            return this;
        }

        public Builder responseBytes(Long value) {
            this.responseBytes = value;
            return this;
        }

        public Builder decisionRecordId(String value) {
            this.decisionRecordId = value;
            return this;
        }

        public AuditEvent build() {
            return new AuditEvent(type, requestId, principal, actor, tool, method, path, decision, rule, reason,
                    missingAuthority, tokenId, proofId, keyThumbprint, tokenHash, proofHash, status, durationMillis,
                    responseBytes, decisionRecordId);
        }
    }
}
