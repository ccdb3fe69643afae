package dev.agentgateway.token;

import dev.agentgateway.policy.Actor;
import dev.agentgateway.policy.Principal;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A request whose capability token and DPoP proof have both been verified. Only this package constructs it, so
 * holding one proves verification happened.
 */
public final class VerifiedCall {

    private final Principal principal;
    private final Actor actor;
    private final String tool;
    private final Set<String> scopes;
    private final String tokenId;
    private final String proofId;
    private final String keyThumbprint;
    private final Instant expiresAt;
    private final String dpopNonce;

    VerifiedCall(Principal principal, Actor actor, String tool, Set<String> scopes, String tokenId, String proofId,
            String keyThumbprint, Instant expiresAt) {
        this(principal, actor, tool, scopes, tokenId, proofId, keyThumbprint, expiresAt, null);
    }

    VerifiedCall(Principal principal, Actor actor, String tool, Set<String> scopes, String tokenId, String proofId,
            String keyThumbprint, Instant expiresAt, String dpopNonce) {
        this.principal = Objects.requireNonNull(principal, "principal");
        this.actor = actor;
        this.tool = Objects.requireNonNull(tool, "tool");
        this.scopes = Set.copyOf(scopes);
        this.tokenId = Objects.requireNonNull(tokenId, "tokenId");
        this.proofId = Objects.requireNonNull(proofId, "proofId");
        this.keyThumbprint = Objects.requireNonNull(keyThumbprint, "keyThumbprint");
        this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt");
        this.dpopNonce = dpopNonce;
    }

    /** Returns the principal named by the capability token. */
    public Principal principal() {
        return principal;
    }

    /** Returns the agent acting for the principal, or {@code null} when the token has no {@code act} claim. */
    public Actor actor() {
        return actor;
    }

    /** Returns the tool the capability token was issued for (its {@code aud}). */
    public String tool() {
        return tool;
    }

    public Set<String> scopes() {
        return scopes;
    }

    /** Returns the capability token's {@code jti}. */
    public String tokenId() {
        return tokenId;
    }

    /** Returns the DPoP proof's {@code jti}. */
    public String proofId() {
        return proofId;
    }

    /** Returns the RFC 7638 thumbprint of the proof key, equal to the token's {@code cnf.jkt}. */
    public String keyThumbprint() {
        return keyThumbprint;
    }

    public Instant expiresAt() {
        return expiresAt;
    }

    /**
     * Returns a fresh nonce to send in a {@code DPoP-Nonce} header of the response, present when the route uses
     * nonces and the proof's nonce is missing or about to expire.
     */
    public Optional<String> dpopNonce() {
        return Optional.ofNullable(dpopNonce);
    }

    @Override
    public String toString() {
        return "VerifiedCall[principal=" + principal.displayName() + ", tool=" + tool + ", tokenId=" + tokenId + "]";
    }
}
