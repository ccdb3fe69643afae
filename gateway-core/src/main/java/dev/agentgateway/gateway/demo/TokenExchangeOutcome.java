package dev.agentgateway.gateway.demo;

/**
 * The token endpoint's response to one token exchange.
 *
 * @param status HTTP status
 * @param capability the issued capability on success, otherwise {@code null}
 * @param error the RFC 6749 §5.2 {@code error} code on failure, otherwise {@code null}
 * @param errorDescription the {@code error_description} on failure, or {@code null}
 */
public record TokenExchangeOutcome(int status, Capability capability, String error, String errorDescription) {

    /** Returns whether a capability was issued. */
    public boolean succeeded() {
        return capability != null;
    }
}
