package dev.agentgateway.policy;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * The human or service on whose behalf a call is made, as stated by a verified subject token.
 *
 * @param issuer subject token issuer, or {@code null} for the anonymous principal
 * @param subject subject identifier, or {@code null} for the anonymous principal
 * @param groups group memberships from the subject token
 * @param acr authentication context class reference, or {@code null}
 * @param amr authentication methods references (RFC 8176)
 * @param authTime time of the login, or {@code null} when the token did not state it
 */
public record Principal(String issuer, String subject, Set<String> groups, String acr, Set<String> amr,
        Instant authTime) {

    private static final Principal ANONYMOUS = new Principal(null, null, Set.of(), null, Set.of(), null);

    public Principal {
        groups = Set.copyOf(groups);
        amr = Set.copyOf(amr);
        if ((issuer == null) != (subject == null)) {
            throw new IllegalArgumentException("issuer and subject must both be set or both be null");
        }
    }

    /** Returns the principal of a request that carried no credentials. */
    public static Principal anonymous() {
        return ANONYMOUS;
    }

    public boolean isAnonymous() {
        return subject == null;
    }

    /** Returns {@code issuer} and {@code subject} joined by a space, or {@code anonymous}. */
    public String displayName() {
        return isAnonymous() ? "anonymous" : Objects.requireNonNull(subject) + " (" + issuer + ")";
    }
}
