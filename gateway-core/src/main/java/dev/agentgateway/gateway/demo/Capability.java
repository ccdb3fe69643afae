package dev.agentgateway.gateway.demo;

import java.util.Objects;

/**
 * A DPoP-bound capability token the {@link ScriptedAgent} obtained by token exchange. Only the agent that has the
 * matching DPoP key can use it. The token itself is kept out of {@link #toString()} and every public accessor.
 */
public final class Capability {

    private final String accessToken;
    private final String tool;
    private final String scope;
    private final String tokenId;
    private final long expiresInSeconds;

    Capability(String accessToken, String tool, String scope, String tokenId, long expiresInSeconds) {
        this.accessToken = Objects.requireNonNull(accessToken, "accessToken");
        this.tool = Objects.requireNonNull(tool, "tool");
        this.scope = Objects.requireNonNull(scope, "scope");
        this.tokenId = Objects.requireNonNull(tokenId, "tokenId");
        this.expiresInSeconds = expiresInSeconds;
    }

    /** Returns the tool the token was requested for (the exchange's {@code audience}). */
    public String tool() {
        return tool;
    }

    /** Returns the granted scope as the token endpoint returned it, space-separated. */
    public String scope() {
        return scope;
    }

    /** Returns the token's {@code jti}, or {@code unknown} when the token is not a JWT. */
    public String tokenId() {
        return tokenId;
    }

    /** Returns the lifetime in seconds from the token response's {@code expires_in}, or -1 when it was absent. */
    public long expiresInSeconds() {
        return expiresInSeconds;
    }

    String accessToken() {
        return accessToken;
    }

    @Override
    public String toString() {
        return "Capability[tool=" + tool + ", scope=" + scope + ", tokenId=" + tokenId + "]";
    }
}
