package dev.agentgateway.policy;

import dev.agentgateway.config.PolicyConfig;
import java.time.Clock;
import java.util.Set;

/** Deny-by-default access policy built from {@link PolicyConfig}. Immutable and thread-safe. */
public final class Policy {

    private Policy() {
    }

    /**
     * Builds a policy; {@code clock} is read for {@code auth_time} checks. Throws {@link IllegalArgumentException} for invalid rules 
     * (bad patterns, duplicate ids).
     */
    public static Policy from(PolicyConfig config, Clock clock) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Decides one tool call. Never returns an allow unless a rule matched it. */
    public Decision decide(AccessRequest request) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Returns the class {@code principal} belongs to at the time of the call. */
    public PrincipalClass classify(Principal principal) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Returns the scopes the token endpoint may grant {@code principal} for {@code tool}: the scopes of every rule
     * for that tool whose principal selector matches.
     */
    public Set<String> grantableScopes(Principal principal, String tool) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Returns the SHA-256 of the policy's canonical form, hex encoded. */
    public String hash() {
        throw new UnsupportedOperationException("TODO");
    }
}
