package dev.agentgateway.token;

import dev.agentgateway.policy.Actor;
import dev.agentgateway.policy.Principal;
import dev.agentgateway.policy.PrincipalClass;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * An issued capability token with the facts the audit record of the issuance needs.
 *
 * @param responseJson RFC 8693 §2.2.1 response body, to be sent only after the issuance is audited
 * @param principal verified subject
 * @param actor verified actor, or {@code null} when no actor token was given
 * @param principalClass class of the principal at issuance
 * @param tool tool the token is for
 * @param scopes granted scopes
 * @param tokenId {@code jti} of the issued token
 * @param proofId {@code jti} of the DPoP proof
 * @param keyThumbprint {@code cnf.jkt} of the issued token
 * @param expiresAt {@code exp} of the issued token
 * @param dpopNonce a fresh nonce for a {@code DPoP-Nonce} response header, or {@code null} when the token endpoint
 *     does not use nonces
 */
public record TokenExchangeResult(String responseJson, Principal principal, Actor actor,
        PrincipalClass principalClass, String tool, Set<String> scopes, String tokenId, String proofId,
        String keyThumbprint, Instant expiresAt, String dpopNonce) {

    public TokenExchangeResult {
        Objects.requireNonNull(responseJson, "responseJson");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(principalClass, "principalClass");
        Objects.requireNonNull(tool, "tool");
        scopes = Set.copyOf(scopes);
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(proofId, "proofId");
        Objects.requireNonNull(keyThumbprint, "keyThumbprint");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /** Creates a result without a nonce. */
    public TokenExchangeResult(String responseJson, Principal principal, Actor actor, PrincipalClass principalClass,
            String tool, Set<String> scopes, String tokenId, String proofId, String keyThumbprint,
            Instant expiresAt) {
        this(responseJson, principal, actor, principalClass, tool, scopes, tokenId, proofId, keyThumbprint,
                expiresAt, null);
    }

    @Override
    public String toString() {
        return "TokenExchangeResult[principal=" + principal.displayName() + ", tool=" + tool + ", tokenId="
                + tokenId + "]";
    }
}
