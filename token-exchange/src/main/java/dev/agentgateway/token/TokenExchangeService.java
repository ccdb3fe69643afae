package dev.agentgateway.token;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.policy.Actor;
import dev.agentgateway.policy.Principal;
import dev.agentgateway.policy.PrincipalClass;
import dev.agentgateway.token.internal.CapabilityClaims;
import dev.agentgateway.token.internal.ClaimValues;
import dev.agentgateway.token.internal.DPoPProofVerifier;
import dev.agentgateway.token.internal.DPoPProofVerifier.VerifiedProof;
import dev.agentgateway.token.internal.GatewaySigningKey;
import dev.agentgateway.token.internal.NonceRequirement;
import dev.agentgateway.token.internal.Quoting;
import dev.agentgateway.token.internal.ScopeAuthority;
import dev.agentgateway.token.internal.TokenIds;
import dev.agentgateway.token.internal.TrustedIssuers;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The RFC 8693 token exchange grant with DPoP-bound results. Thread-safe. */
public final class TokenExchangeService {

    /** The token exchange grant type (RFC 8693 §2.1). */
    public static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
    static final String JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
    static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

    private static final Set<String> INPUT_TOKEN_TYPES = Set.of(ID_TOKEN_TYPE, JWT_TOKEN_TYPE);
    /** Parameters RFC 8693 lets a client repeat. This endpoint still accepts exactly one target. */
    private static final Set<String> TARGET_PARAMETERS = Set.of("resource", "audience");
    private static final String SUBJECT_TOKEN = "subject token";
    private static final String ACTOR_TOKEN = "actor token";

    private final String publicOrigin;
    private final List<RouteConfig> routes;
    private final TrustedIssuers issuers;
    private final DPoPProofVerifier proofs;
    private final ScopeAuthority authority;
    private final GatewaySigningKey signingKey;
    private final Duration capabilityLifetime;
    private final Clock clock;
    private final NonceRequirement nonces;

    TokenExchangeService(String publicOrigin, List<RouteConfig> routes, TrustedIssuers issuers,
            DPoPProofVerifier proofs, ScopeAuthority authority, GatewaySigningKey signingKey,
            Duration capabilityLifetime, Clock clock, NonceRequirement nonces) {
        this.publicOrigin = Objects.requireNonNull(publicOrigin, "publicOrigin");
        this.routes = List.copyOf(routes);
        this.issuers = Objects.requireNonNull(issuers, "issuers");
        this.proofs = Objects.requireNonNull(proofs, "proofs");
        this.authority = Objects.requireNonNull(authority, "authority");
        this.signingKey = Objects.requireNonNull(signingKey, "signingKey");
        this.capabilityLifetime = Objects.requireNonNull(capabilityLifetime, "capabilityLifetime");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nonces = Objects.requireNonNull(nonces, "nonces");
    }

    /**
     * Verifies the proof, the subject token and the optional actor token, queries the policy for the scopes the
     * principal may hold for the requested tool, and mints a DPoP-bound capability token.
     *
     * @return the issued token. When the token endpoint uses DPoP nonces, it carries a fresh nonce if the proof had
     *     none or one about to expire.
     * @throws OAuthException with a token endpoint error code when the request is rejected, {@code use_dpop_nonce}
     *     when the nonce requirement is not met. When the endpoint uses nonces, every such error carries a fresh one.
     */
    public TokenExchangeResult exchange(TokenExchangeRequest request) throws OAuthException {
        try {
            return exchangeChecked(request);
        } catch (OAuthException e) {
            throw nonces.withFreshNonce(e);
        }
    }

    /**
     * Returns a fresh nonce for a {@code DPoP-Nonce} header of a token endpoint response, or empty when the token
     * endpoint does not use nonces. It lets a response that did not come from {@link #exchange}, such as the
     * rejection of a malformed request body, hand the client a nonce for its next proof.
     */
    public Optional<String> dpopNonce() {
        return nonces.freshNonce();
    }

    private TokenExchangeResult exchangeChecked(TokenExchangeRequest request) throws OAuthException {
        if (!"POST".equals(request.method())) {
            throw invalidRequest("method " + Quoting.quote(request.method()) + " is not supported (expected: POST)");
        }
        Map<String, String> form = singleValues(request.form());
        checkGrantType(form.get("grant_type"));
        checkInputTokenType("subject_token_type", required(form, "subject_token_type"));
        String subjectToken = required(form, "subject_token");
        String actorToken = actorToken(form);
        checkRequestedTokenType(form.get("requested_token_type"));
        RouteConfig route = target(request.form());
        Set<String> requestedScopes = requestedScopes(form.get("scope"));

        VerifiedProof proof = proofs.verifyTokenRequest(singleProof(request.dpopHeaders()), request.endpointUri(),
                nonces);

        // RFC 8693 §2.2.2: an invalid or unacceptable subject or actor token is an invalid_request.
        JWTClaimsSet subject = issuers.verify(subjectToken, SUBJECT_TOKEN, OAuthErrorCode.INVALID_REQUEST);
        JWTClaimsSet actorClaims = actorToken == null ? null
                : issuers.verify(actorToken, ACTOR_TOKEN, OAuthErrorCode.INVALID_REQUEST);
        Principal principal = principal(subject);
        Actor actor = actorClaims == null ? null : actor(actorClaims);
        checkMayAct(subject, actor);
        String clientId = clientId(subject, principal, actor);

        Set<String> scopes = grantedScopes(principal, route.tool(), requestedScopes);
        PrincipalClass principalClass = authority.classify(principal);
        return mint(new Grant(principal, principalClass, actor, clientId, route.tool(), scopes, proof, subject,
                actorClaims));
    }

    /** Returns each parameter's only value, because RFC 6749 §3.1 forbids repeats. Empty means omitted. */
    private static Map<String, String> singleValues(Map<String, List<String>> form) throws OAuthException {
        Map<String, String> values = new HashMap<>();
        for (Map.Entry<String, List<String>> parameter : form.entrySet()) {
            String name = parameter.getKey();
            List<String> received = nonEmpty(parameter.getValue());
            if (TARGET_PARAMETERS.contains(name) || received.isEmpty()) {
                continue;
            }
            if (received.size() > 1) {
                throw invalidRequest("parameter " + Quoting.quote(name) + " is given " + received.size()
                        + " times (expected: at most once)");
            }
            values.put(name, received.get(0));
        }
        return values;
    }

    private static List<String> nonEmpty(List<String> values) {
        List<String> result = new ArrayList<>();
        if (values != null) {
            values.stream().filter(value -> value != null && !value.isEmpty()).forEach(result::add);
        }
        return result;
    }

    private static void checkGrantType(String grantType) throws OAuthException {
        if (grantType == null) {
            throw invalidRequest("grant_type is missing (expected: " + GRANT_TYPE + ")");
        }
        if (!GRANT_TYPE.equals(grantType)) {
            throw new OAuthException(OAuthErrorCode.UNSUPPORTED_GRANT_TYPE, "grant_type " + Quoting.quote(grantType)
                    + " is not supported (expected: " + GRANT_TYPE + ")");
        }
    }

    private static String required(Map<String, String> form, String name) throws OAuthException {
        String value = form.get(name);
        if (value == null) {
            throw invalidRequest(name + " is missing");
        }
        return value;
    }

    private static void checkInputTokenType(String parameter, String type) throws OAuthException {
        if (!INPUT_TOKEN_TYPES.contains(type)) {
            throw invalidRequest(parameter + " " + Quoting.quote(type) + " is not supported (expected: "
                    + ID_TOKEN_TYPE + " or " + JWT_TOKEN_TYPE + ")");
        }
    }

    /** Returns the actor token or {@code null}. RFC 8693 §2.1 requires its type exactly when it is present. */
    private static String actorToken(Map<String, String> form) throws OAuthException {
        String token = form.get("actor_token");
        String type = form.get("actor_token_type");
        if (token == null && type == null) {
            return null;
        }
        if (token == null) {
            throw invalidRequest("actor_token is missing (expected: actor_token and actor_token_type together)");
        }
        if (type == null) {
            throw invalidRequest("actor_token_type is missing (expected: actor_token and actor_token_type"
                    + " together)");
        }
        checkInputTokenType("actor_token_type", type);
        return token;
    }

    private static void checkRequestedTokenType(String type) throws OAuthException {
        if (type != null && !ACCESS_TOKEN_TYPE.equals(type)) {
            throw invalidRequest("requested_token_type " + Quoting.quote(type) + " is not supported (expected: "
                    + ACCESS_TOKEN_TYPE + ")");
        }
    }

    /** Resolves the one {@code resource} (RFC 8707) or {@code audience} (RFC 8693) parameter to a route. */
    private RouteConfig target(Map<String, List<String>> form) throws OAuthException {
        List<String> resources = nonEmpty(form.get("resource"));
        List<String> audiences = nonEmpty(form.get("audience"));
        int count = resources.size() + audiences.size();
        if (count == 0) {
            throw new OAuthException(OAuthErrorCode.INVALID_TARGET, "resource or audience is missing (expected:"
                    + " exactly one, naming a tool)");
        }
        if (count > 1) {
            throw new OAuthException(OAuthErrorCode.INVALID_TARGET, "resource and audience are given " + count
                    + " times in total (expected: exactly one, naming a tool)");
        }
        if (!resources.isEmpty()) {
            return routeForResource(resources.get(0));
        }
        String tool = audiences.get(0);
        for (RouteConfig route : routes) {
            if (route.tool().equals(tool)) {
                return route;
            }
        }
        throw new OAuthException(OAuthErrorCode.INVALID_TARGET, "audience " + Quoting.quote(tool)
                + " is not supported (expected: the name of a configured tool)");
    }

    private RouteConfig routeForResource(String resource) throws OAuthException {
        for (RouteConfig route : routes) {
            String prefixUri = publicOrigin + route.pathPrefix();
            if (resource.equals(prefixUri) || resource.equals(prefixUri.substring(0, prefixUri.length() - 1))) {
                return route;
            }
        }
        throw new OAuthException(OAuthErrorCode.INVALID_TARGET, "resource " + Quoting.quote(resource)
                + " is not supported (expected: " + publicOrigin + " followed by a route's path prefix)");
    }

    /** Parses {@code scope} (RFC 6749 §3.3), or returns {@code null} when the parameter was omitted. */
    private static Set<String> requestedScopes(String scope) throws OAuthException {
        if (scope == null) {
            return null;
        }
        Set<String> scopes = new TreeSet<>();
        for (String token : scope.split(" ", -1)) {
            if (!isScopeToken(token)) {
                throw new OAuthException(OAuthErrorCode.INVALID_SCOPE, "scope " + Quoting.quote(scope)
                        + " is malformed (expected: scope tokens separated by single spaces)");
            }
            scopes.add(token);
        }
        return scopes;
    }

    private static boolean isScopeToken(String token) {
        if (token.isEmpty()) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static String singleProof(List<String> dpopHeaders) throws OAuthException {
        if (dpopHeaders.isEmpty()) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF,
                    "DPoP proof is missing (expected: one DPoP header)");
        }
        if (dpopHeaders.size() > 1) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP header is given "
                    + dpopHeaders.size() + " times (expected: exactly one)");
        }
        return dpopHeaders.get(0);
    }

    private static Principal principal(JWTClaimsSet subject) throws OAuthException {
        ClaimValues claims = new ClaimValues(subject, SUBJECT_TOKEN, OAuthErrorCode.INVALID_REQUEST);
        return new Principal(claims.requiredString("iss"), claims.requiredString("sub"),
                Set.copyOf(claims.stringList("groups")), claims.string("acr"), Set.copyOf(claims.stringList("amr")),
                claims.instant("auth_time"));
    }

    private static Actor actor(JWTClaimsSet actorClaims) throws OAuthException {
        ClaimValues claims = new ClaimValues(actorClaims, ACTOR_TOKEN, OAuthErrorCode.INVALID_REQUEST);
        return new Actor(claims.requiredString("iss"), claims.requiredString("sub"));
    }

    /**
     * Applies RFC 8693 §4.4: a subject token's {@code may_act} names the only party allowed to act for it. Such a
     * token restricts who may act, so an exchange without an actor token is rejected rather than treated as allowed.
     */
    private static void checkMayAct(JWTClaimsSet subject, Actor actor) throws OAuthException {
        ClaimValues claims = new ClaimValues(subject, SUBJECT_TOKEN, OAuthErrorCode.INVALID_REQUEST);
        Map<String, Object> mayAct = claims.object("may_act");
        if (mayAct == null) {
            return;
        }
        if (actor == null) {
            throw invalidRequest("subject token has may_act, so actor_token is required (expected: an actor token "
                    + "for sub " + Quoting.quote(claims.memberString(mayAct, "may_act", "sub")) + ")");
        }
        String allowedSubject = claims.memberString(mayAct, "may_act", "sub");
        String allowedIssuer = claims.memberString(mayAct, "may_act", "iss");
        boolean subjectMatches = allowedSubject != null && allowedSubject.equals(actor.subject());
        boolean issuerMatches = allowedIssuer == null || allowedIssuer.equals(actor.issuer());
        if (!subjectMatches || !issuerMatches) {
            throw invalidRequest("subject token does not allow this actor: may_act names sub "
                    + Quoting.quote(allowedSubject) + " iss " + Quoting.quote(allowedIssuer) + ", actor token has sub "
                    + Quoting.quote(actor.subject()) + " iss " + Quoting.quote(actor.issuer()));
        }
    }

    /** Returns the requested scopes if all are grantable, or every grantable scope when none was requested. */
    private Set<String> grantedScopes(Principal principal, String tool, Set<String> requested) throws OAuthException {
        Set<String> grantable = authority.grantableScopes(principal, tool);
        if (requested == null) {
            return new TreeSet<>(grantable);
        }
        Set<String> notAllowed = new TreeSet<>(requested);
        notAllowed.removeAll(grantable);
        if (!notAllowed.isEmpty()) {
            throw new OAuthException(OAuthErrorCode.INVALID_SCOPE, "scope " + Quoting.quote(String.join(" ",
                    notAllowed)) + " is not grantable to " + principal.displayName() + " for tool " + tool
                    + " (grantable: " + Quoting.quote(String.join(" ", new TreeSet<>(grantable))) + ")");
        }
        return requested;
    }

    /** Everything a capability token is minted from. {@code actor} and {@code actorClaims} may be null. */
    private record Grant(Principal principal, PrincipalClass principalClass, Actor actor, String clientId,
            String tool, Set<String> scopes, VerifiedProof proof, JWTClaimsSet subject, JWTClaimsSet actorClaims) {
    }

    private TokenExchangeResult mint(Grant grant) throws OAuthException {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expiresAt = expiry(now, grant);
        String tokenId = TokenIds.random();
        String scope = String.join(" ", new TreeSet<>(grant.scopes()));
        String token = signingKey.sign(CapabilityClaims.TYPE, claims(grant, now, expiresAt, tokenId, scope));

        Map<String, Object> response = new LinkedHashMap<>();
        response.put("access_token", token);
        response.put("issued_token_type", ACCESS_TOKEN_TYPE);
        response.put("token_type", "DPoP");
        response.put("expires_in", Duration.between(now, expiresAt).toSeconds());
        response.put("scope", scope);
        return new TokenExchangeResult(TokenServices.toJson(response), grant.principal(), grant.actor(),
                grant.principalClass(), grant.tool(), grant.scopes(), tokenId, grant.proof().proofId(),
                grant.proof().keyThumbprint(), expiresAt, grant.proof().dpopNonce());
    }

    /** Returns the earliest of now plus the capability lifetime and the subject and actor tokens' {@code exp}. */
    private Instant expiry(Instant now, Grant grant) throws OAuthException {
        Instant expiresAt = now.plus(capabilityLifetime);
        expiresAt = earlier(expiresAt, grant.subject().getExpirationTime(), SUBJECT_TOKEN, now);
        if (grant.actorClaims() != null) {
            expiresAt = earlier(expiresAt, grant.actorClaims().getExpirationTime(), ACTOR_TOKEN, now);
        }
        return expiresAt;
    }

    private static Instant earlier(Instant expiresAt, Date tokenExpiry, String kind, Instant now)
            throws OAuthException {
        Instant limit = tokenExpiry.toInstant().truncatedTo(ChronoUnit.SECONDS);
        if (!limit.isAfter(now)) {
            throw invalidRequest(kind + " exp " + limit + " leaves no lifetime for a capability token (now: "
                    + now + ")");
        }
        return limit.isBefore(expiresAt) ? limit : expiresAt;
    }

    private JWTClaimsSet claims(Grant grant, Instant now, Instant expiresAt, String tokenId, String scope) {
        Principal principal = grant.principal();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(publicOrigin)
                .subject(principal.subject())
                .audience(grant.tool())
                .claim(CapabilityClaims.CLIENT_ID, grant.clientId())
                .claim(CapabilityClaims.SCOPE, scope)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(expiresAt))
                .jwtID(tokenId)
                .claim(CapabilityClaims.CONFIRMATION, Map.of(CapabilityClaims.KEY_THUMBPRINT,
                        grant.proof().keyThumbprint()))
                .claim(CapabilityClaims.SUBJECT_ISSUER, principal.issuer())
                .claim(CapabilityClaims.PRINCIPAL_CLASS, grant.principalClass().wireName());
        if (grant.actor() != null) {
            claims.claim(CapabilityClaims.ACTOR, Map.of("sub", grant.actor().subject(), "iss", grant.actor().issuer()));
        }
        if (!principal.groups().isEmpty()) {
            claims.claim(CapabilityClaims.GROUPS, List.copyOf(new TreeSet<>(principal.groups())));
        }
        if (!principal.amr().isEmpty()) {
            claims.claim(CapabilityClaims.AMR, List.copyOf(new TreeSet<>(principal.amr())));
        }
        if (principal.acr() != null) {
            claims.claim(CapabilityClaims.ACR, principal.acr());
        }
        if (principal.authTime() != null) {
            claims.claim(CapabilityClaims.AUTH_TIME, principal.authTime().getEpochSecond());
        }
        return claims.build();
    }

    /**
     * Returns the actor's {@code sub}, else the subject token's {@code azp}, else the principal's {@code sub}. The
     * {@code azp} claim is checked even when an actor is present, so a malformed one is never silently ignored.
     */
    private static String clientId(JWTClaimsSet subject, Principal principal, Actor actor) throws OAuthException {
        String authorizedParty = new ClaimValues(subject, SUBJECT_TOKEN, OAuthErrorCode.INVALID_REQUEST).string("azp");
        if (actor != null) {
            return actor.subject();
        }
        if (authorizedParty != null && !authorizedParty.isBlank()) {
            return authorizedParty;
        }
        return principal.subject();
    }

    private static OAuthException invalidRequest(String description) {
        return new OAuthException(OAuthErrorCode.INVALID_REQUEST, description);
    }
}
