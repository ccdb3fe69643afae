package dev.agentgateway.token.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The window in which a DPoP proof's {@code iat} is accepted: up to {@code clockSkew} ahead of the clock and up to
 * {@code maxAge + clockSkew} behind it. A replay cache entry must outlive the last instant its proof is accepted.
 *
 * @param maxAge how far in the past a proof's {@code iat} may lie, before skew
 * @param clockSkew tolerance applied to {@code iat} in both directions
 */
public record ProofWindow(Duration maxAge, Duration clockSkew) {

    /**
     * Margin added to every entry's lifetime. {@code iat} has whole seconds, the acceptance check includes its last
     * instant, and replicas sharing a store read their own clocks, so an entry is kept one second longer.
     */
    static final Duration MARGIN = Duration.ofSeconds(1);

    public ProofWindow {
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(clockSkew, "clockSkew");
        if (maxAge.isNegative() || clockSkew.isNegative()) {
            throw new IllegalArgumentException("maxAge " + maxAge + ", clockSkew " + clockSkew
                    + " (expected: durations of zero or more)");
        }
    }

    /** Returns the last instant at which a proof issued at {@code issuedAt} is still accepted. */
    public Instant lastAcceptance(Instant issuedAt) {
        return issuedAt.plus(maxAge).plus(clockSkew);
    }

    /**
     * Returns how long to keep the entry of a proof issued at {@code issuedAt} and first used at {@code now}: until
     * {@link #lastAcceptance} plus {@link #MARGIN}. The result is at least the margin, and at most
     * {@link #maxEntryLifetime()}, the lifetime of a proof dated {@code clockSkew} ahead.
     */
    public Duration entryLifetime(Instant issuedAt, Instant now) {
        Duration lifetime = Duration.between(now, lastAcceptance(issuedAt)).plus(MARGIN);
        if (lifetime.compareTo(MARGIN) < 0) {
            return MARGIN;
        }
        Duration max = maxEntryLifetime();
        return lifetime.compareTo(max) > 0 ? max : lifetime;
    }

    /** Returns the longest entry lifetime: {@code maxAge + 2 * clockSkew} plus {@link #MARGIN}. */
    public Duration maxEntryLifetime() {
        return maxAge.plus(clockSkew.multipliedBy(2)).plus(MARGIN);
    }
}
