package dev.agentgateway.token;

import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.policy.Policy;
import java.io.IOException;
import java.time.Clock;
import java.util.Set;

/** Builds and holds the gateway's token components, which share its signing key, issuers and replay cache. */
public final class TokenServices {

    private TokenServices() {
    }

    /**
     * Loads or generates the signing key and prepares the trusted issuers.
     *
     * @param config validated configuration
     * @param publicOrigin origin agents use to reach the gateway, for example {@code http://127.0.0.1:8080}; it is
     *     the capability tokens' {@code iss} and the base of the metadata's URLs
     * @param policy policy consulted at token exchange
     * @param clock clock for every time check and issued timestamp
     * @throws IOException when the signing key cannot be read or written
     */
    public static TokenServices create(GatewayConfig config, String publicOrigin, Policy policy, Clock clock)
            throws IOException {
        throw new UnsupportedOperationException("TODO");
    }

    public TokenExchangeService tokenExchange() {
        throw new UnsupportedOperationException("TODO");
    }

    public AccessTokenAuthenticator authenticator() {
        throw new UnsupportedOperationException("TODO");
    }

    public TxnTokenIssuer txnTokens() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Returns the RFC 8414 authorization server metadata document as JSON. */
    public String metadataJson() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Returns the public JWK set (RFC 7517) for capability tokens and Txn-Tokens as JSON. */
    public String jwksJson() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Returns the JWS algorithms accepted for DPoP proofs, advertised in {@code WWW-Authenticate} {@code algs}. */
    public Set<String> dpopAlgorithms() {
        throw new UnsupportedOperationException("TODO");
    }
}
