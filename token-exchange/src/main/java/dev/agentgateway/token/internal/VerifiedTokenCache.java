package dev.agentgateway.token.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Capability tokens whose signature, {@code typ} and syntax have been verified, keyed by the token's SHA-256 (its
 * RFC 9449 {@code ath} value), each kept until its {@code exp} by the injected clock. A hit saves the token's
 * signature check only: the caller checks the claims again, because time moves on and the same token may be
 * presented for another tool. Size-bounded, least recently used entries go first. Thread-safe.
 */
public final class VerifiedTokenCache {

    private final Cache<String, JWTClaimsSet> entries;

    /**
     * @param maxEntries maximum number of tokens remembered; at least 1
     * @param maxLifetime upper bound on any entry's lifetime, whatever its {@code exp}
     * @param clock time source for expiry
     */
    public VerifiedTokenCache(long maxEntries, Duration maxLifetime, Clock clock) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries: " + maxEntries + " (expected: at least 1)");
        }
        Objects.requireNonNull(maxLifetime, "maxLifetime");
        Objects.requireNonNull(clock, "clock");
        Instant origin = clock.instant();
        Ticker ticker = () -> Duration.between(origin, clock.instant()).toNanos();
        this.entries = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .ticker(ticker)
                .executor(Runnable::run)
                .expireAfter(Expiry.creating((String hash, JWTClaimsSet claims) -> lifetime(claims, clock,
                        maxLifetime)))
                .build();
    }

    /** Returns the time left until {@code exp}, zero when it has passed, and at most {@code maxLifetime}. */
    private static Duration lifetime(JWTClaimsSet claims, Clock clock, Duration maxLifetime) {
        Duration remaining = Duration.between(clock.instant(), claims.getExpirationTime().toInstant());
        if (remaining.isNegative()) {
            return Duration.ZERO;
        }
        return remaining.compareTo(maxLifetime) > 0 ? maxLifetime : remaining;
    }

    /** Returns the verified claims of the token with SHA-256 {@code tokenHash}, if remembered and not expired. */
    public Optional<JWTClaimsSet> get(String tokenHash) {
        return Optional.ofNullable(entries.getIfPresent(tokenHash));
    }

    /** Remembers a token whose signature has been verified; {@code claims} must contain {@code exp}. */
    public void put(String tokenHash, JWTClaimsSet claims) {
        Objects.requireNonNull(claims.getExpirationTime(), "exp");
        entries.put(tokenHash, claims);
    }

    /** Forgets every token, for example when the key they were verified with is withdrawn. */
    public void invalidateAll() {
        entries.invalidateAll();
    }

    /** Returns the number of remembered tokens after pending evictions have run. */
    public long size() {
        entries.cleanUp();
        return entries.estimatedSize();
    }
}
