package dev.agentgateway.policy;

import java.util.Objects;

/**
 * The agent acting for a principal, from the actor token of a token exchange (RFC 8693 {@code act}).
 *
 * @param issuer actor token issuer
 * @param subject actor identifier
 */
public record Actor(String issuer, String subject) {

    public Actor {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(subject, "subject");
    }
}
