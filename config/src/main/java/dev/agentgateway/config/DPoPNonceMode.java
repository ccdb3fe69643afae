package dev.agentgateway.config;

import java.util.Locale;

/** Whether an endpoint hands out and checks DPoP server nonces (RFC 9449 §8 and §9). */
public enum DPoPNonceMode {
    /** No nonce is issued, and a proof's {@code nonce} claim is not checked. */
    OFF,
    /**
     * Responses carry a fresh {@code DPoP-Nonce}. A proof without {@code nonce} is accepted; a proof with one must
     * carry a nonce this gateway issued and that has not expired.
     */
    OFFERED,
    /** Every proof must carry a valid, unexpired nonce; otherwise the request is rejected with {@code use_dpop_nonce}. */
    REQUIRED;

    /** Returns the spelling used in the configuration file, for example {@code offered}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
