package dev.agentgateway.token.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Remembers DPoP proofs in this process, for a single replica. Shared by the token endpoint and the proxy.
 * Thread-safe.
 *
 * <p>Each entry is kept until its proof's {@code iat} leaves the acceptance window, see
 * {@link ProofWindow#entryLifetime}: a proof dated {@code clockSkew} ahead stays remembered until
 * {@code iat + maxAge + clockSkew}, which is {@code maxAge + 2 * clockSkew} after its first use.
 */
public final class ProofReplayCache implements ReplayCache {

    /** Default bound on remembered proofs. */
    public static final long DEFAULT_MAX_ENTRIES = 1_000_000;

    private final ProofWindow window;
    private final Clock clock;
    private final Cache<String, Duration> used;

    /**
     * @param window acceptance window of proof {@code iat}s
     * @param maxEntries bound on remembered proofs
     * @param clock time source for entry lifetimes and expiry
     */
    public ProofReplayCache(ProofWindow window, long maxEntries, Clock clock) {
        this.window = Objects.requireNonNull(window, "window");
        this.clock = Objects.requireNonNull(clock, "clock");
        // NOTE: when more than maxEntries proofs arrive within one lifetime, the oldest are evicted early and a
        // replay of an evicted proof is no longer detected. At the default bound and the default 60s max age and
        // 5s skew that takes over 14,000 proofs/s.
        this.used = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfter(Expiry.<String, Duration>creating((key, lifetime) -> lifetime))
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .build();
    }

    /** Records the proof's use; the key thumbprint is base64url, so the space makes the key unambiguous. */
    @Override
    public void markAsUsed(String keyThumbprint, String proofId, Instant issuedAt) throws AlreadyUsedException {
        String key = keyThumbprint + ' ' + proofId;
        Duration lifetime = window.entryLifetime(issuedAt, clock.instant());
        if (used.asMap().putIfAbsent(key, lifetime) != null) {
            throw new AlreadyUsedException("DPoP proof jti already used");
        }
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public void close() {
        used.invalidateAll();
    }
}
