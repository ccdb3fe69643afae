package dev.agentgateway.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.agentgateway.policy.Actor;
import dev.agentgateway.policy.Principal;
import dev.agentgateway.token.internal.CapabilityClaims;
import dev.agentgateway.token.internal.ClaimValues;
import dev.agentgateway.token.internal.ClockedClaimsVerifier;
import dev.agentgateway.token.internal.CompactJws;
import dev.agentgateway.token.internal.DPoPProofVerifier;
import dev.agentgateway.token.internal.DPoPProofVerifier.VerifiedProof;
import dev.agentgateway.token.internal.GatewayJwsKeySelector;
import dev.agentgateway.token.internal.GatewayJwsVerifierFactory;
import dev.agentgateway.token.internal.LibraryFailures;
import dev.agentgateway.token.internal.NonceRequirement;
import dev.agentgateway.token.internal.Quoting;
import dev.agentgateway.token.internal.RegisteredClaims;
import dev.agentgateway.token.internal.VerifiedTokenCache;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Verifies {@code Authorization: DPoP} capability tokens and their DPoP proofs at the proxy (RFC 9449 §4.3 and
 * §7). A token whose signature has been verified once is remembered by its SHA-256 until its {@code exp}, so a
 * repeated token costs one signature check, the proof's. Its claims are still checked on every request.
 * Thread-safe.
 */
public final class AccessTokenAuthenticator {

    private static final String KIND = "access token";
    private static final Set<String> REQUIRED_CLAIMS = Set.of("iss", "sub", "aud", "exp", "iat", "jti",
            CapabilityClaims.CONFIRMATION);
    /**
     * Accepts {@code typ} {@code at+jwt} and its full media type {@code application/at+jwt}, the two values
     * RFC 9068 §4 requires resource servers to accept. The comparison is exact and case-sensitive: the gateway
     * mints only {@code at+jwt}, so any other spelling comes from somewhere else.
     */
    private static final JOSEObjectTypeVerifier<SecurityContext> EXACT_TYPE = (type, context) -> {
        String value = type == null ? null : type.getType();
        boolean accepted = CapabilityClaims.TYPE.getType().equals(value)
                || ("application/" + CapabilityClaims.TYPE.getType()).equals(value);
        if (!accepted) {
            throw new BadJOSEException("JOSE header typ " + (value == null ? "missing" : Quoting.quote(value))
                    + " (expected: " + CapabilityClaims.TYPE + ")");
        }
    };

    private final String publicOrigin;
    private final JWSKeySelector<SecurityContext> keySelector;
    private final DPoPProofVerifier proofs;
    private final Duration clockSkew;
    private final Clock clock;
    /** Nonce requirement of each route by tool name; a tool without an entry uses no nonces. */
    private final Map<String, NonceRequirement> routeNonces;
    private final JWSVerifierFactory verifierFactory;
    /** Verified tokens by SHA-256, or {@code null} when the cache is off. */
    private final VerifiedTokenCache verifiedTokens;
    private final Supplier<JWKSet> gatewayKeys;
    /** The key set the cached tokens were verified against. */
    private final AtomicReference<JWKSet> cachedKeys = new AtomicReference<>();
    /** One processor per tool, because the accepted {@code aud} is part of the claims verifier. */
    private final ConcurrentMap<String, DefaultJWTProcessor<SecurityContext>> processors =
            new ConcurrentHashMap<>();

    /**
     * @param gatewayKeys the gateway's published keys, read on every request so rotated keys take effect. A new
     *     returned instance empties the verified-token cache, so a withdrawn key stops working at once
     * @param routeNonces nonce requirement of each route by tool name
     * @param verifiedTokenCacheSize maximum number of verified tokens remembered; 0 turns the cache off
     */
    AccessTokenAuthenticator(String publicOrigin, Supplier<JWKSet> gatewayKeys, DPoPProofVerifier proofs,
            Duration clockSkew, Clock clock, Map<String, NonceRequirement> routeNonces, long verifiedTokenCacheSize) {
        this(publicOrigin, gatewayKeys, proofs, clockSkew, clock, routeNonces, verifiedTokenCacheSize,
                new GatewayJwsVerifierFactory());
    }

    /** Creates an authenticator whose token signatures are checked by verifiers from {@code verifierFactory}. */
    AccessTokenAuthenticator(String publicOrigin, Supplier<JWKSet> gatewayKeys, DPoPProofVerifier proofs,
            Duration clockSkew, Clock clock, Map<String, NonceRequirement> routeNonces, long verifiedTokenCacheSize,
            JWSVerifierFactory verifierFactory) {
        this.publicOrigin = Objects.requireNonNull(publicOrigin, "publicOrigin");
        this.gatewayKeys = Objects.requireNonNull(gatewayKeys, "gatewayKeys");
        JWKSource<SecurityContext> keySource = (selector, context) -> selector.select(gatewayKeys.get());
        this.keySelector = new GatewayJwsKeySelector<>(Set.of(JWSAlgorithm.ES256, JWSAlgorithm.EdDSA), keySource);
        this.proofs = Objects.requireNonNull(proofs, "proofs");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.routeNonces = Map.copyOf(routeNonces);
        this.verifierFactory = Objects.requireNonNull(verifierFactory, "verifierFactory");
        this.verifiedTokens = verifiedTokenCacheSize == 0 ? null : new VerifiedTokenCache(verifiedTokenCacheSize,
                CapabilityClaims.MAX_LIFETIME.plus(clockSkew), clock);
    }

    /**
     * Forgets every verified token, so each is verified again with the current keys. Call it when a gateway key is
     * withdrawn.
     */
    void invalidateVerifiedTokens() {
        if (verifiedTokens != null) {
            verifiedTokens.invalidateAll();
        }
    }

    /**
     * Authenticates one request.
     *
     * @param method request method as received
     * @param requestUri the gateway's public origin plus the normalized request path (and query); the proof's
     *     {@code htu} is compared with it, never with client-supplied {@code Host} or {@code X-Forwarded-*}
     * @param expectedTool tool name of the route the request matched; the capability token's {@code aud} must
     *     equal it
     * @param authorizationHeaders every {@code Authorization} field value of the request
     * @param dpopHeaders every {@code DPoP} field value of the request
     * @return the verified call, or empty when the request carried neither header (an anonymous request). When the
     *     route uses DPoP nonces, the call carries a fresh nonce if the proof had none or one about to expire.
     * @throws OAuthException when any credential is present but fails a check, {@code use_dpop_nonce} when the
     *     route's nonce requirement is not met. When the route uses nonces, every such error carries a fresh one.
     */
    public Optional<VerifiedCall> authenticate(String method, URI requestUri, String expectedTool,
            List<String> authorizationHeaders, List<String> dpopHeaders) throws OAuthException {
        NonceRequirement nonces = nonceRequirement(expectedTool);
        try {
            return authenticate(method, requestUri, expectedTool, authorizationHeaders, dpopHeaders, nonces);
        } catch (OAuthException e) {
            throw nonces.withFreshNonce(e);
        }
    }

    /**
     * Returns a fresh nonce for a {@code DPoP-Nonce} header of a response from the route of {@code tool}, or empty
     * when the route does not use nonces. It lets a response that did not come from {@link #authenticate}, such as
     * a challenge to an anonymous request, hand the client a nonce for its next proof.
     */
    public Optional<String> dpopNonce(String tool) {
        return nonceRequirement(tool).freshNonce();
    }

    private NonceRequirement nonceRequirement(String tool) {
        NonceRequirement nonces = routeNonces.get(tool);
        return nonces == null ? NonceRequirement.NONE : nonces;
    }

    private Optional<VerifiedCall> authenticate(String method, URI requestUri, String expectedTool,
            List<String> authorizationHeaders, List<String> dpopHeaders, NonceRequirement nonces)
            throws OAuthException {
        List<String> authorizations = authorizationHeaders == null ? List.of() : authorizationHeaders;
        List<String> proofHeaders = dpopHeaders == null ? List.of() : dpopHeaders;
        if (authorizations.isEmpty() && proofHeaders.isEmpty()) {
            return Optional.empty();
        }
        checkHeaderCounts(authorizations, proofHeaders);
        String token = dpopToken(authorizations.get(0));
        if (proofHeaders.isEmpty()) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP proof is missing (expected: one DPoP "
                    + "header with the request)");
        }

        JWTClaimsSet claims = verifyToken(token, expectedTool);
        ClaimValues values = new ClaimValues(claims, KIND, OAuthErrorCode.INVALID_TOKEN);
        String keyThumbprint = keyThumbprint(values);
        VerifiedProof proof = proofs.verifyResourceRequest(proofHeaders.get(0), method, requestUri, token,
                keyThumbprint, nonces);
        return Optional.of(new VerifiedCall(principal(values), actor(values), expectedTool, scopes(values),
                claims.getJWTID(), proof.proofId(), proof.keyThumbprint(), claims.getExpirationTime().toInstant(),
                proof.dpopNonce()));
    }

    private static void checkHeaderCounts(List<String> authorizations, List<String> proofHeaders)
            throws OAuthException {
        if (authorizations.size() > 1) {
            throw new OAuthException(OAuthErrorCode.INVALID_REQUEST, authorizations.size()
                    + " Authorization header values (expected: one)");
        }
        if (proofHeaders.size() > 1) {
            throw new OAuthException(OAuthErrorCode.INVALID_REQUEST, proofHeaders.size()
                    + " DPoP header values (expected: one)");
        }
        if (authorizations.isEmpty()) {
            throw new OAuthException(OAuthErrorCode.INVALID_REQUEST, "DPoP header without Authorization header "
                    + "(expected: Authorization: DPoP <token>)");
        }
    }

    /** Returns the token68 of an {@code Authorization: DPoP} value (RFC 9449 §7.1, RFC 9110 §11.4). */
    private static String dpopToken(String authorization) throws OAuthException {
        String value = authorization == null ? "" : authorization.strip();
        int space = value.indexOf(' ');
        String scheme = space < 0 ? value : value.substring(0, space);
        if (scheme.equalsIgnoreCase("Bearer")) {
            throw new OAuthException(OAuthErrorCode.INVALID_TOKEN,
                    "DPoP-bound tokens must use the DPoP authorization scheme (received: Bearer)");
        }
        if (!scheme.equalsIgnoreCase("DPoP")) {
            throw new OAuthException(OAuthErrorCode.INVALID_TOKEN, "authorization scheme " + describeScheme(scheme)
                    + " rejected (expected: DPoP)");
        }
        String token = space < 0 ? "" : value.substring(space + 1).stripLeading();
        if (!isToken68(token)) {
            throw new OAuthException(OAuthErrorCode.INVALID_TOKEN,
                    "access token missing or malformed (expected: Authorization: DPoP followed by a token68)");
        }
        return token;
    }

    /** Names a rejected scheme only when it looks like one, because a client may have sent a bare token. */
    private static String describeScheme(String scheme) {
        boolean schemeLike = !scheme.isEmpty() && scheme.length() <= 16
                && scheme.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-');
        return schemeLike ? Quoting.quote(scheme) : "(not shown)";
    }

    private static boolean isToken68(String token) {
        int end = token.length();
        while (end > 0 && token.charAt(end - 1) == '=') {
            end--;
        }
        if (end == 0) {
            return false;
        }
        for (int i = 0; i < end; i++) {
            char c = token.charAt(i);
            boolean allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /**
     * Verifies the token, or only its claims when its signature was verified before. Only tokens that pass every
     * check here are remembered.
     */
    private JWTClaimsSet verifyToken(String token, String expectedTool) throws OAuthException {
        if (verifiedTokens == null || token.length() > CapabilityClaims.MAX_TOKEN_LENGTH) {
            return verifySignedToken(token, expectedTool);
        }
        JWKSet keys = gatewayKeys.get();
        JWKSet previousKeys = cachedKeys.get();
        if (previousKeys != keys && cachedKeys.compareAndSet(previousKeys, keys) && previousKeys != null) {
            invalidateVerifiedTokens();
        }
        String tokenHash = DPoPProofVerifier.accessTokenHash(token).toString();
        Optional<JWTClaimsSet> remembered = verifiedTokens.get(tokenHash);
        if (remembered.isPresent()) {
            return verifyRememberedClaims(remembered.get(), expectedTool);
        }
        JWTClaimsSet claims = verifySignedToken(token, expectedTool);
        verifiedTokens.put(tokenHash, claims);
        return claims;
    }

    /** Applies the claim checks of a full verification, with the same clock, skew and expected tool. */
    private JWTClaimsSet verifyRememberedClaims(JWTClaimsSet claims, String expectedTool) throws OAuthException {
        try {
            processors.computeIfAbsent(expectedTool, this::processor).getJWTClaimsSetVerifier().verify(claims, null);
        } catch (BadJWTException e) {
            throw new OAuthException(OAuthErrorCode.INVALID_TOKEN, KIND + " rejected: " + e.getMessage());
        }
        checkAudience(claims, expectedTool);
        checkLifetime(claims);
        return claims;
    }

    private JWTClaimsSet verifySignedToken(String token, String expectedTool) throws OAuthException {
        SignedJWT jwt = CompactJws.parse(token, KIND, CapabilityClaims.MAX_TOKEN_LENGTH, OAuthErrorCode.INVALID_TOKEN);
        RegisteredClaims.check(jwt, KIND, OAuthErrorCode.INVALID_TOKEN);
        JWTClaimsSet claims;
        try {
            claims = processors.computeIfAbsent(expectedTool, this::processor).process(jwt, null);
        } catch (BadJOSEException | JOSEException e) {
            throw new OAuthException(OAuthErrorCode.INVALID_TOKEN, KIND + " rejected: " + e.getMessage());
        } catch (RuntimeException e) {
            throw LibraryFailures.rejection(OAuthErrorCode.INVALID_TOKEN, KIND, e);
        }
        checkAudience(claims, expectedTool);
        checkLifetime(claims);
        return claims;
    }

    private DefaultJWTProcessor<SecurityContext> processor(String tool) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(keySelector);
        processor.setJWSVerifierFactory(verifierFactory);
        processor.setJWSTypeVerifier(EXACT_TYPE);
        JWTClaimsSet exactIssuer = new JWTClaimsSet.Builder().issuer(publicOrigin).build();
        processor.setJWTClaimsSetVerifier(new ClockedClaimsVerifier(Set.of(tool), exactIssuer, REQUIRED_CLAIMS,
                clock, clockSkew));
        return processor;
    }

    /** Requires {@code aud} to name only the route's tool, because this gateway never mints a token for several. */
    private static void checkAudience(JWTClaimsSet claims, String expectedTool) throws OAuthException {
        if (!claims.getAudience().equals(List.of(expectedTool))) {
            String audience = String.join(" ", claims.getAudience());
            throw new OAuthException(OAuthErrorCode.INVALID_TOKEN, KIND + " rejected: aud " + Quoting.quote(audience)
                    + " (expected: " + Quoting.quote(expectedTool) + ")");
        }
    }

    /** Rejects lifetimes the token endpoint never issues, which only a forged or misissued token could carry. */
    private static void checkLifetime(JWTClaimsSet claims) throws OAuthException {
        Instant issuedAt = claims.getIssueTime().toInstant();
        Instant expiresAt = claims.getExpirationTime().toInstant();
        if (Duration.between(issuedAt, expiresAt).compareTo(CapabilityClaims.MAX_LIFETIME) > 0) {
            throw new OAuthException(OAuthErrorCode.INVALID_TOKEN, KIND + " rejected: lifetime from iat " + issuedAt
                    + " to exp " + expiresAt + " exceeds " + CapabilityClaims.MAX_LIFETIME.toSeconds() + "s");
        }
    }

    private static String keyThumbprint(ClaimValues values) throws OAuthException {
        Map<String, Object> confirmation = values.object(CapabilityClaims.CONFIRMATION);
        String thumbprint = confirmation == null ? null : values.memberString(confirmation,
                CapabilityClaims.CONFIRMATION, CapabilityClaims.KEY_THUMBPRINT);
        if (thumbprint == null || thumbprint.isEmpty()) {
            throw new OAuthException(OAuthErrorCode.INVALID_TOKEN, KIND + " rejected: cnf.jkt missing");
        }
        return thumbprint;
    }

    private static Principal principal(ClaimValues values) throws OAuthException {
        return new Principal(values.requiredString(CapabilityClaims.SUBJECT_ISSUER), values.requiredString("sub"),
                Set.copyOf(values.stringList(CapabilityClaims.GROUPS)), values.string(CapabilityClaims.ACR),
                Set.copyOf(values.stringList(CapabilityClaims.AMR)), values.instant(CapabilityClaims.AUTH_TIME));
    }

    private static Actor actor(ClaimValues values) throws OAuthException {
        Map<String, Object> act = values.object(CapabilityClaims.ACTOR);
        if (act == null) {
            return null;
        }
        String subject = values.requiredMemberString(act, CapabilityClaims.ACTOR, "sub");
        String issuer = values.requiredMemberString(act, CapabilityClaims.ACTOR, "iss");
        return new Actor(issuer, subject);
    }

    private static Set<String> scopes(ClaimValues values) throws OAuthException {
        String scope = values.string(CapabilityClaims.SCOPE);
        if (scope == null || scope.isEmpty()) {
            return Set.of();
        }
        return Set.copyOf(Arrays.asList(scope.split(" ")));
    }
}
