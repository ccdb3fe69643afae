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
 * @param nonces DPoP server nonce settings
 * @param replayCache where accepted DPoP proofs are remembered
 * @param verifiedTokenCacheSize bound on capability tokens remembered as verified until their {@code exp}, so a
 *     repeated token costs no signature check; 0 turns the cache off
 */
public record TokenConfig(
        Duration capabilityLifetime,
        Duration proofMaxAge,
        Duration clockSkew,
        Duration txnTokenLifetime,
        NonceConfig nonces,
        ReplayCacheConfig replayCache,
        long verifiedTokenCacheSize) {

    public static final Duration MAX_CAPABILITY_LIFETIME = Duration.ofSeconds(300);
    public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(60);

    public TokenConfig {
        Objects.requireNonNull(capabilityLifetime, "capabilityLifetime");
        Objects.requireNonNull(proofMaxAge, "proofMaxAge");
        Objects.requireNonNull(clockSkew, "clockSkew");
        Objects.requireNonNull(txnTokenLifetime, "txnTokenLifetime");
        Objects.requireNonNull(nonces, "nonces");
        Objects.requireNonNull(replayCache, "replayCache");
        if (verifiedTokenCacheSize < 0) {
            throw new IllegalArgumentException("verifiedTokenCacheSize: " + verifiedTokenCacheSize
                    + " (expected: 0 or more)");
        }
    }

    /** Default bound of the verified-token cache. */
    public static final long DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 100_000;

    /** Creates a configuration with default nonce, replay-cache and verified-token-cache settings. */
    public TokenConfig(Duration capabilityLifetime, Duration proofMaxAge, Duration clockSkew,
            Duration txnTokenLifetime) {
        this(capabilityLifetime, proofMaxAge, clockSkew, txnTokenLifetime, NonceConfig.defaults(),
                ReplayCacheConfig.defaults(), DEFAULT_VERIFIED_TOKEN_CACHE_SIZE);
    }

    /** Returns the defaults: 300 s capabilities, 60 s proof age, 5 s skew, 60 s Txn-Tokens. */
    public static TokenConfig defaults() {
        return new TokenConfig(Duration.ofSeconds(300), Duration.ofSeconds(60), Duration.ofSeconds(5),
                Duration.ofSeconds(60));
    }
}
