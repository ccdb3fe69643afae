package dev.agentgateway.token;

/**
 * OAuth error codes the gateway returns, with the HTTP status each is sent with. Token endpoint codes come from
 * RFC 6749 §5.2, RFC 8693 §2.2.2 and RFC 9449 §5; resource access codes from RFC 6750 §3.1 and RFC 9449 §7.1.
 */
public enum OAuthErrorCode {
    INVALID_REQUEST("invalid_request", 400),
    INVALID_GRANT("invalid_grant", 400),
    UNSUPPORTED_GRANT_TYPE("unsupported_grant_type", 400),
    INVALID_TARGET("invalid_target", 400),
    INVALID_SCOPE("invalid_scope", 400),
    /** A DPoP proof failed a check; 400 at the token endpoint, 401 at a resource (RFC 9449 §5 and §7.1). */
    INVALID_DPOP_PROOF("invalid_dpop_proof", 401),
    /** The server requires a DPoP nonce (RFC 9449 §8). */
    USE_DPOP_NONCE("use_dpop_nonce", 401),
    /** The access token is missing its binding, expired, malformed or not issued by this gateway. */
    INVALID_TOKEN("invalid_token", 401),
    SERVER_ERROR("server_error", 500),
    /**
     * A check could not be made because shared state (the replay cache) cannot be reached; the request is refused
     * rather than let through unchecked.
     */
    TEMPORARILY_UNAVAILABLE("temporarily_unavailable", 503);

    private final String wireName;
    private final int resourceStatus;

    OAuthErrorCode(String wireName, int resourceStatus) {
        this.wireName = wireName;
        this.resourceStatus = resourceStatus;
    }

    /** Returns the registered error code, for example {@code invalid_dpop_proof}. */
    public String wireName() {
        return wireName;
    }

    /** Returns the HTTP status for this error when it is raised at a protected resource. */
    public int resourceStatus() {
        return resourceStatus;
    }

    /** Returns the HTTP status for this error when it is raised at the token endpoint. */
    public int tokenEndpointStatus() {
        return switch (this) {
            case SERVER_ERROR -> 500;
            case TEMPORARILY_UNAVAILABLE -> 503;
            default -> 400;
        };
    }
}
