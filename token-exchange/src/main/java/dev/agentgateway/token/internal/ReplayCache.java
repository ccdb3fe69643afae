package dev.agentgateway.token.internal;

import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProofUse;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;
import com.nimbusds.oauth2.sdk.util.singleuse.SingleUseChecker;
import dev.agentgateway.config.ReplayCacheConfig;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;

/**
 * Store of accepted DPoP proofs, keyed by proof key thumbprint and {@code jti}, so each proof is accepted once
 * (RFC 9449 §11.1). Implementations are thread-safe.
 */
public interface ReplayCache extends AutoCloseable {

    /**
     * Records the first use of a proof.
     *
     * @param keyThumbprint RFC 7638 thumbprint of the proof's {@code jwk}
     * @param proofId the proof's {@code jti}
     * @param issuedAt the proof's verified {@code iat}, which decides how long the entry is kept
     * @throws AlreadyUsedException when the proof was recorded before and its entry has not expired
     * @throws ReplayCacheUnavailableException when the store cannot tell, so the proof must be rejected
     */
    void markAsUsed(String keyThumbprint, String proofId, Instant issuedAt) throws AlreadyUsedException;

    /** Returns whether the store's last command succeeded. The in-memory store always does. */
    boolean isAvailable();

    /** Releases connections and threads; the in-memory store has none. */
    @Override
    void close();

    /**
     * Returns the adapter oauth2-oidc-sdk's verifiers call once the proof's signature and claims are verified. It
     * reads {@code iat} from {@code proof} only then, so the entry's lifetime comes from a verified value.
     */
    default SingleUseChecker<DPoPProofUse> checkerFor(SignedJWT proof) {
        return use -> markAsUsed(use.getIssuer().getValue(), use.getJWTID().getValue(), issuedAt(proof));
    }

    private static Instant issuedAt(SignedJWT proof) {
        try {
            Date issueTime = proof.getJWTClaimsSet().getIssueTime();
            if (issueTime == null) {
                throw new IllegalStateException("DPoP proof iat missing after claims verification");
            }
            return issueTime.toInstant();
        } catch (ParseException e) {
            throw new IllegalStateException("DPoP proof claims unreadable after claims verification", e);
        }
    }

    /** Returns the store {@code config} selects, keeping entries for the acceptance window of {@code window}. */
    static ReplayCache create(ReplayCacheConfig config, ProofWindow window, Clock clock) {
        if (config instanceof ReplayCacheConfig.Redis redis) {
            return new RedisReplayCache(redis, window, clock);
        }
        return new ProofReplayCache(window, ((ReplayCacheConfig.Memory) config).maxEntries(), clock);
    }
}
