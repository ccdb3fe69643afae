package dev.agentgateway.bench.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProofUse;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;
import com.nimbusds.oauth2.sdk.util.singleuse.SingleUseChecker;
import dev.agentgateway.config.ReplayCacheConfig;
import java.time.Duration;

/**
 * An in-memory DPoP replay check for oauth2-oidc-sdk's verifiers, sized like the gateway's default in-memory
 * replay cache: a Caffeine cache of {@link ReplayCacheConfig#DEFAULT_MAX_ENTRIES} proof key thumbprint and
 * {@code jti} pairs, each kept for the whole window in which a proof's {@code iat} is accepted. Thread-safe.
 */
public final class ProofReplayChecker implements SingleUseChecker<DPoPProofUse> {

    private final Cache<String, Boolean> used;

    /**
     * @param proofMaxAge how far in the past a proof's {@code iat} may lie
     * @param clockSkew tolerance applied to {@code iat} in both directions
     */
    public ProofReplayChecker(Duration proofMaxAge, Duration clockSkew) {
        this.used = Caffeine.newBuilder()
                .maximumSize(ReplayCacheConfig.DEFAULT_MAX_ENTRIES)
                .expireAfterWrite(proofMaxAge.plus(clockSkew.multipliedBy(2)))
                .build();
    }

    @Override
    public void markAsUsed(DPoPProofUse use) throws AlreadyUsedException {
        String key = use.getIssuer().getValue() + ' ' + use.getJWTID().getValue();
        if (used.asMap().putIfAbsent(key, Boolean.TRUE) != null) {
            throw new AlreadyUsedException("DPoP proof jti already used");
        }
    }
}
