package dev.agentgateway.token.internal;

import com.nimbusds.openid.connect.sdk.Nonce;
import dev.agentgateway.config.DPoPNonceMode;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The DPoP nonce mode of one endpoint (the token endpoint or one route) together with the nonces it issues and
 * checks (RFC 9449 §8 and §9). Thread-safe.
 */
public final class NonceRequirement {

    /** No nonces: none is issued and the {@code nonce} claim is not checked. */
    public static final NonceRequirement NONE = new NonceRequirement(DPoPNonceMode.OFF);

    private static final String EXPECTED = " (expected: the nonce of the latest DPoP-Nonce response header)";

    private final DPoPNonceMode mode;
    /** Issuer and checker of nonces, {@code null} only in {@link #NONE}. */
    private final DPoPNonces nonces;

    /**
     * @param mode whether the endpoint issues and checks nonces
     * @param nonces issuer and checker of nonces, used only when {@code mode} is not {@code OFF}
     */
    public NonceRequirement(DPoPNonceMode mode, DPoPNonces nonces) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.nonces = Objects.requireNonNull(nonces, "nonces");
    }

    private NonceRequirement(DPoPNonceMode mode) {
        this.mode = mode;
        this.nonces = null;
    }

    public DPoPNonceMode mode() {
        return mode;
    }

    /** Returns a fresh nonce for a {@code DPoP-Nonce} response header, or empty when the mode is {@code OFF}. */
    public Optional<String> freshNonce() {
        return mode == DPoPNonceMode.OFF ? Optional.empty() : Optional.of(nonces.current());
    }

    /**
     * Returns {@code error} carrying a fresh nonce when the endpoint uses nonces, so a client can always retry
     * with one. An error that already carries a nonce, or any error when the mode is {@code OFF}, is returned as
     * it is.
     */
    public OAuthException withFreshNonce(OAuthException error) {
        if (mode == DPoPNonceMode.OFF || error.dpopNonce().isPresent()) {
            return error;
        }
        return error.withDPoPNonce(nonces.current());
    }

    /**
     * Decides on the {@code nonce} claim of one proof. The decision is applied after the proof's signature is
     * verified: {@link DPoPProofVerifier} hands {@link Decision#acceptedNonces()} to oauth2-oidc-sdk, whose proof
     * verifier compares the claim with it after the signature check and before it records the proof's {@code jti}.
     *
     * @param proofNonce the proof's {@code nonce} claim, or {@code null} when it has none
     */
    Decision decide(String proofNonce) {
        if (mode == DPoPNonceMode.OFF) {
            // oauth2-oidc-sdk 11.39 rejects any nonce claim when it accepts no nonce, so an unchecked claim is
            // passed on as the accepted one.
            return new Decision(proofNonce == null ? null : Set.of(new Nonce(proofNonce)), null, null);
        }
        String fresh = nonces.current();
        if (proofNonce == null) {
            return mode == DPoPNonceMode.OFFERED
                    ? new Decision(null, null, fresh)
                    : reject("DPoP proof nonce is missing" + EXPECTED, fresh);
        }
        DPoPNonces.Verdict verdict = nonces.check(proofNonce);
        return switch (verdict) {
            case CURRENT -> new Decision(Set.of(new Nonce(proofNonce)), null, null);
            case PREVIOUS -> new Decision(Set.of(new Nonce(proofNonce)), null, fresh);
            case STALE -> reject("DPoP proof nonce has expired" + EXPECTED, fresh);
            case INVALID -> reject("DPoP proof nonce was not issued by this gateway" + EXPECTED, fresh);
        };
    }

    /**
     * Makes the SDK reject the proof: the only accepted nonce is the fresh one, which differs from the proof's,
     * because a proof carrying the fresh nonce would have been accepted.
     */
    private static Decision reject(String description, String fresh) {
        OAuthException rejection = new OAuthException(OAuthErrorCode.USE_DPOP_NONCE, description).withDPoPNonce(fresh);
        return new Decision(Set.of(new Nonce(fresh)), rejection, fresh);
    }

    /**
     * The nonce decision for one proof.
     *
     * @param acceptedNonces the nonces the SDK's verifier accepts, or {@code null} when the proof has no nonce claim
     *     and needs none (the SDK then rejects any nonce claim)
     * @param rejection the {@code use_dpop_nonce} error to raise, or {@code null} when the nonce is acceptable
     * @param responseNonce the nonce to send with a successful response, or {@code null} when none is due
     */
    record Decision(Set<Nonce> acceptedNonces, OAuthException rejection, String responseNonce) {
    }
}
