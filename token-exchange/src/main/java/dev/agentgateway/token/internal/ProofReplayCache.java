package dev.agentgateway.token.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProofUse;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;
import com.nimbusds.oauth2.sdk.util.singleuse.SingleUseChecker;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Remembers DPoP proofs by proof key thumbprint and {@code jti} (RFC 9449 §11.1), so each proof is accepted once.
 * Shared by the token endpoint and the proxy. Thread-safe.
 *
 * <p>An entry lives as long as a proof can be accepted at all: from an {@code iat} up to {@code clockSkew} in the
 * future until {@code proofMaxAge + clockSkew} in the past, so {@code proofMaxAge + 2 * clockSkew} in total.
 */
public final class ProofReplayCache implements SingleUseChecker<DPoPProofUse> {

    /** Default bound on remembered proofs. */
    public static final long DEFAULT_MAX_ENTRIES = 1_000_000;

    private final Cache<String, Boolean> used;

    /**
     * @param proofMaxAge how far in the past a proof's {@code iat} may lie, before skew
     * @param clockSkew tolerance applied to {@code iat} in both directions
     * @param maxEntries bound on remembered proofs
     * @param clock time source for expiry
     */
    public ProofReplayCache(Duration proofMaxAge, Duration clockSkew, long maxEntries, Clock clock) {
        Objects.requireNonNull(clock, "clock");
        // NOTE: when more than maxEntries proofs arrive within one lifetime, the oldest are evicted early and a
        // replay of an evicted proof is no longer detected. At the default bound that takes over 15,000 proofs/s.
        this.used = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfterWrite(entryLifetime(proofMaxAge, clockSkew))
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .build();
    }

    /** Returns how long an entry is kept: the whole window in which a proof's {@code iat} is accepted. */
    public static Duration entryLifetime(Duration proofMaxAge, Duration clockSkew) {
        return proofMaxAge.plus(clockSkew.multipliedBy(2));
    }

    /** Records the proof's use. The issuer of {@code use} is the proof key's RFC 7638 thumbprint. */
    @Override
    public void markAsUsed(DPoPProofUse use) throws AlreadyUsedException {
        String key = use.getIssuer().getValue() + ' ' + use.getJWTID().getValue();
        if (used.asMap().putIfAbsent(key, Boolean.TRUE) != null) {
            throw new AlreadyUsedException("DPoP proof jti already used");
        }
    }
}
