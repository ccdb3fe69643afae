package dev.agentgateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * DPoP server nonces. A nonce is a MAC over a time slot, so every replica that shares the secrets accepts the
 * nonces of every other replica without shared state.
 *
 * @param tokenEndpoint nonce mode of the token endpoint
 * @param lifetime length of one time slot. A nonce is accepted in the slot it was issued in and in the next
 *     one, so it lives between one and two lifetimes
 * @param secrets MAC secrets. The first signs new nonces and every one verifies, so a secret can be rotated by
 *     putting the new one first. An empty list means a random secret per process, which only suits one replica
 */
public record NonceConfig(DPoPNonceMode tokenEndpoint, Duration lifetime, List<String> secrets) {

    /** Default slot length. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(60);

    public NonceConfig {
        Objects.requireNonNull(tokenEndpoint, "tokenEndpoint");
        Objects.requireNonNull(lifetime, "lifetime");
        secrets = List.copyOf(secrets);
    }

    /** Returns the defaults: no nonce at the token endpoint, 60 s slots, a random per-process secret. */
    public static NonceConfig defaults() {
        return new NonceConfig(DPoPNonceMode.OFF, DEFAULT_LIFETIME, List.of());
    }

    @Override
    public String toString() {
        return "NonceConfig[tokenEndpoint=" + tokenEndpoint.configName() + ", lifetime=" + lifetime + ", secrets="
                + secrets.size() + " (not shown)]";
    }
}
