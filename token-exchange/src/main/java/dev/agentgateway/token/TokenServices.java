package dev.agentgateway.token;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.policy.Policy;
import dev.agentgateway.token.internal.CapabilityClaims;
import dev.agentgateway.token.internal.DPoPNonces;
import dev.agentgateway.token.internal.DPoPProofVerifier;
import dev.agentgateway.token.internal.GatewaySigningKey;
import dev.agentgateway.token.internal.NonceRequirement;
import dev.agentgateway.token.internal.PolicyScopeAuthority;
import dev.agentgateway.token.internal.ProofWindow;
import dev.agentgateway.token.internal.ReplayCache;
import dev.agentgateway.token.internal.ScopeAuthority;
import dev.agentgateway.token.internal.TrustedIssuers;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds and owns the gateway's token components, which share its signing key, issuers and replay cache. Close it
 * on shutdown to release the replay cache's connection.
 */
public final class TokenServices implements AutoCloseable {

    /** Path of the token endpoint under the public origin. */
    public static final String TOKEN_ENDPOINT_PATH = "/oauth2/token";
    /** Path of the public JWK set under the public origin. */
    public static final String JWKS_PATH = "/.well-known/jwks.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String publicOrigin;
    private final GatewaySigningKey signingKey;
    private final TokenExchangeService tokenExchange;
    private final AccessTokenAuthenticator authenticator;
    private final TxnTokenIssuer txnTokens;
    private final ReplayCache replayCache;

    private TokenServices(String publicOrigin, GatewaySigningKey signingKey, TokenExchangeService tokenExchange,
            AccessTokenAuthenticator authenticator, TxnTokenIssuer txnTokens, ReplayCache replayCache) {
        this.publicOrigin = publicOrigin;
        this.signingKey = signingKey;
        this.tokenExchange = tokenExchange;
        this.authenticator = authenticator;
        this.txnTokens = txnTokens;
        this.replayCache = replayCache;
    }

    /**
     * Loads or generates the signing key, prepares the trusted issuers and opens the replay cache. A Redis replay
     * cache that cannot be reached does not fail this call: it is logged, and DPoP proofs are rejected with
     * {@code temporarily_unavailable} until Redis responds.
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
        return create(config, publicOrigin, new PolicyScopeAuthority(policy), clock);
    }

    /** Builds the services around any {@link ScopeAuthority}, so tests can run without a policy. */
    static TokenServices create(GatewayConfig config, String publicOrigin, ScopeAuthority authority, Clock clock)
            throws IOException {
        checkOrigin(publicOrigin);
        checkAlgorithm(config.signingKey().algorithm());
        Objects.requireNonNull(authority, "authority");
        Objects.requireNonNull(clock, "clock");

        TokenConfig tokens = config.tokens();
        GatewaySigningKey signingKey = GatewaySigningKey.loadOrGenerate(config.signingKey().path(),
                config.signingKey().algorithm(), GatewaySigningKey.retention(tokens), clock);
        TrustedIssuers issuers = TrustedIssuers.create(config.trustedIssuers(), publicOrigin, clock,
                tokens.clockSkew());
        ReplayCache replayCache = ReplayCache.create(tokens.replayCache(),
                new ProofWindow(tokens.proofMaxAge(), tokens.clockSkew()), clock);
        DPoPProofVerifier proofs = new DPoPProofVerifier(tokens.proofMaxAge(), tokens.clockSkew(), replayCache,
                clock);

        DPoPNonces nonces = DPoPNonces.create(tokens.nonces(), clock);

        Duration lifetime = min(tokens.capabilityLifetime(), CapabilityClaims.MAX_LIFETIME);
        TokenExchangeService tokenExchange = new TokenExchangeService(publicOrigin, config.routes(), issuers, proofs,
                authority, signingKey, lifetime, clock, new NonceRequirement(tokens.nonces().tokenEndpoint(), nonces));
        AccessTokenAuthenticator authenticator = new AccessTokenAuthenticator(publicOrigin, signingKey::publicKeys,
                proofs, tokens.clockSkew(), clock, routeNonces(config.routes(), nonces),
                tokens.verifiedTokenCacheSize());
        TxnTokenIssuer txnTokens = new TxnTokenIssuer(publicOrigin, signingKey, tokens.txnTokenLifetime(), clock);
        return new TokenServices(publicOrigin, signingKey, tokenExchange, authenticator, txnTokens, replayCache);
    }

    private static Map<String, NonceRequirement> routeNonces(List<RouteConfig> routes, DPoPNonces nonces) {
        Map<String, NonceRequirement> requirements = new LinkedHashMap<>();
        for (RouteConfig route : routes) {
            requirements.put(route.tool(), new NonceRequirement(route.dpopNonce(), nonces));
        }
        return requirements;
    }

    private static void checkOrigin(String publicOrigin) {
        Objects.requireNonNull(publicOrigin, "publicOrigin");
        URI uri = URI.create(publicOrigin);
        boolean originOnly = uri.getScheme() != null && uri.getHost() != null && uri.getRawPath().isEmpty()
                && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
        if (!originOnly) {
            throw new IllegalArgumentException("publicOrigin: \"" + publicOrigin
                    + "\" (expected: scheme://host[:port] without path or trailing slash)");
        }
    }

    private static void checkAlgorithm(String algorithm) {
        if (!GatewaySigningKey.ALGORITHMS.contains(algorithm)) {
            throw new IllegalArgumentException("signing-key.algorithm: \"" + algorithm + "\" (expected: one of "
                    + String.join(", ", GatewaySigningKey.ALGORITHMS) + ")");
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    public TokenExchangeService tokenExchange() {
        return tokenExchange;
    }

    public AccessTokenAuthenticator authenticator() {
        return authenticator;
    }

    public TxnTokenIssuer txnTokens() {
        return txnTokens;
    }

    /**
     * Returns whether the replay cache can currently be reached, without waiting. The in-memory cache always can.
     * For Redis it is the outcome of the latest command or of a background {@code PING} sent twice a second. While Redis cannot be reached, every DPoP proof is rejected with {@code temporarily_unavailable}
     * (HTTP 503) at the token endpoint and at protected resources.
     */
    public boolean replayCacheAvailable() {
        return replayCache.isAvailable();
    }

    /** Closes the replay cache's connection, if it has one. The services must not be used afterwards. */
    @Override
    public void close() {
        replayCache.close();
    }

    /** Returns the RFC 8414 authorization server metadata document as JSON. */
    public String metadataJson() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("issuer", publicOrigin);
        metadata.put("token_endpoint", publicOrigin + TOKEN_ENDPOINT_PATH);
        metadata.put("jwks_uri", publicOrigin + JWKS_PATH);
        metadata.put("grant_types_supported", List.of(TokenExchangeService.GRANT_TYPE));
        metadata.put("token_endpoint_auth_methods_supported", List.of("none"));
        metadata.put("dpop_signing_alg_values_supported", List.copyOf(dpopAlgorithms()));
        return toJson(metadata);
    }

    /**
     * Returns the public JWK set (RFC 7517) for capability tokens and Txn-Tokens as JSON: the signing key and the
     * keys retired by rotation whose tokens may still be valid. The key file is checked for a rotation first.
     */
    public String jwksJson() {
        return signingKey.publicKeys().toString(true);
    }

    /** Returns the JWS algorithms accepted for DPoP proofs, advertised in {@code WWW-Authenticate} {@code algs}. */
    public Set<String> dpopAlgorithms() {
        return DPoPProofVerifier.algorithmNames();
    }

    static String toJson(Map<String, Object> members) {
        try {
            return JSON.writeValueAsString(members);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serializing a JSON object of strings and lists failed", e);
        }
    }
}
