package dev.agentgateway.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Lifetimes and clock tolerances.
 *
 * @param capabilityLifetime lifetime of issued capability tokens, at most 300 seconds; never extends past the
 *     subject token's {@code exp}
 * @param proofMaxAge how far in the past a DPoP proof's {@code iat} may lie
 * @param clockSkew tolerance applied to {@code iat}, {@code nbf} and {@code exp} checks, at most 60 seconds
 * @param txnTokenLifetime lifetime of the Txn-Token sent to backends
 */
public record TokenConfig(
        Duration capabilityLifetime,
        Duration proofMaxAge,
        Duration clockSkew,
        Duration txnTokenLifetime) {

    public static final Duration MAX_CAPABILITY_LIFETIME = Duration.ofSeconds(300);
    public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(60);

    public TokenConfig {
        Objects.requireNonNull(capabilityLifetime, "capabilityLifetime");
        Objects.requireNonNull(proofMaxAge, "proofMaxAge");
        Objects.requireNonNull(clockSkew, "clockSkew");
        Objects.requireNonNull(txnTokenLifetime, "txnTokenLifetime");
    }

    /** Returns the defaults: 300 s capabilities, 60 s proof age, 5 s skew, 60 s Txn-Tokens. */
    public static TokenConfig defaults() {
        return new TokenConfig(Duration.ofSeconds(300), Duration.ofSeconds(60), Duration.ofSeconds(5),
                Duration.ofSeconds(60));
    }
}
