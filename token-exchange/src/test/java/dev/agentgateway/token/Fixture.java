package dev.agentgateway.token;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.DPoPNonceMode;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.config.JwksSource;
import dev.agentgateway.config.ListenerConfig;
import dev.agentgateway.config.OperatorConfig;
import dev.agentgateway.config.PolicyConfig;
import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.config.SigningKeyConfig;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.config.TrustedIssuerConfig;
import dev.agentgateway.policy.Principal;
import dev.agentgateway.policy.PrincipalClass;
import dev.agentgateway.token.internal.DPoPProofVerifier;
import dev.agentgateway.token.internal.ScopeAuthority;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A gateway's token services with two in-process identity providers (inline JWK sets), real keys generated per
 * test and a fixed clock.
 *
 * <p>The clock is fixed at the instant the fixture is built, because oauth2-oidc-sdk also checks a proof's
 * {@code iat} against the system clock.
 */
final class Fixture {

    static final String ORIGIN = "http://127.0.0.1:8080";
    static final URI TOKEN_ENDPOINT = URI.create(ORIGIN + "/oauth2/token");
    static final String IDP = "https://idp.example.test";
    static final String AGENT_IDP = "https://agents.example.test";
    static final String GATEWAY_AUDIENCE = "agent-gateway";
    static final URI OPS_QUEUES = URI.create(ORIGIN + "/tools/ops/queues");
    static final String ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
    static final String JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";

    private static final ObjectMapper JSON = new ObjectMapper();

    final Instant now;
    final Clock clock;
    final Path signingKeyFile;
    final ECKey idpKey;
    final ECKey agentIdpKey;
    final ECKey proofKey;
    final FakeAuthority authority = new FakeAuthority();
    final TokenConfig tokens;
    private final DPoPNonceMode opsNonces;
    final TokenServices services;

    Fixture(Path directory) throws Exception {
        this(directory, TokenConfig.defaults());
    }

    Fixture(Path directory, TokenConfig tokens) throws Exception {
        this(directory, tokens, DPoPNonceMode.OFF, Clock.fixed(Instant.now().truncatedTo(ChronoUnit.SECONDS),
                ZoneOffset.UTC));
    }

    /**
     * Builds the services with {@code opsNonces} as the DPoP nonce mode of route {@code ops} and {@code clock} as
     * their clock; {@link #now} is the clock's instant at this point. Route {@code files} uses no nonces.
     */
    Fixture(Path directory, TokenConfig tokens, DPoPNonceMode opsNonces, Clock clock) throws Exception {
        this.tokens = tokens;
        this.opsNonces = opsNonces;
        now = clock.instant();
        this.clock = clock;
        signingKeyFile = directory.resolve("data/signing-key.jwk");
        idpKey = ecKey("idp-1");
        agentIdpKey = ecKey("agents-1");
        proofKey = ecKey(null);
        authority.grant("ops", "ops.read", "ops.write");
        authority.grant("files", "files.read");
        services = services(tokens, opsNonces);
    }

    /** Returns a second gateway replica with the same configuration and signing key file. */
    TokenServices replica() throws IOException {
        return services(tokens, opsNonces);
    }

    /**
     * Returns new token services with this fixture's signing key, identity providers and clock, and
     * {@code tokens}: another replica of the same gateway.
     */
    TokenServices services(TokenConfig tokens, DPoPNonceMode opsNonces) throws IOException {
        return TokenServices.create(config(tokens, opsNonces), ORIGIN, authority, clock);
    }

    private GatewayConfig config(TokenConfig tokens, DPoPNonceMode opsNonces) {
        List<RouteConfig> routes = List.of(route("ops", "/tools/ops/", opsNonces),
                route("files", "/tools/files/", DPoPNonceMode.OFF));
        List<TrustedIssuerConfig> issuers = List.of(issuer(IDP, idpKey), issuer(AGENT_IDP, agentIdpKey));
        return new GatewayConfig(null, new ListenerConfig("127.0.0.1", 0), new ListenerConfig("127.0.0.1", 0),
                ORIGIN, routes, issuers, new SigningKeyConfig(signingKeyFile, "ES256"),
                new AuditConfig(signingKeyFile.resolveSibling("audit")), tokens,
                new PolicyConfig(new OperatorConfig(Set.of("oncall"), Set.of("hwk"), null, null), List.of()), null);
    }

    private static RouteConfig route(String tool, String prefix, DPoPNonceMode nonces) {
        return new RouteConfig(tool, prefix, URI.create("http://127.0.0.1:9/"), Duration.ofSeconds(2),
                Duration.ofSeconds(30), tool, RouteConfig.DEFAULT_IDLE_TIMEOUT, nonces);
    }

    private static TrustedIssuerConfig issuer(String issuer, ECKey key) {
        return new TrustedIssuerConfig(issuer, new JwksSource.Inline(new JWKSet(key.toPublicJWK()).toString()),
                Set.of(GATEWAY_AUDIENCE), Set.of("ES256", "RS256"), Set.of("JWT", ""));
    }

    static ECKey ecKey(String keyId) throws JOSEException {
        ECKeyGenerator generator = new ECKeyGenerator(Curve.P_256);
        return keyId == null ? generator.generate() : generator.keyID(keyId).generate();
    }

    TokenExchangeService exchange() {
        return services.tokenExchange();
    }

    AccessTokenAuthenticator authenticator() {
        return services.authenticator();
    }

    // Identity provider tokens.

    JWTClaimsSet.Builder subjectClaims() {
        return new JWTClaimsSet.Builder()
                .issuer(IDP)
                .subject("alice")
                .audience(GATEWAY_AUDIENCE)
                .issueTime(Date.from(now.minusSeconds(30)))
                .expirationTime(Date.from(now.plusSeconds(3600)))
                .claim("groups", List.of("oncall", "sre"))
                .claim("amr", List.of("hwk", "pwd"))
                .claim("acr", "phr")
                .claim("auth_time", now.minusSeconds(120).getEpochSecond())
                .claim("azp", "console");
    }

    JWTClaimsSet.Builder actorClaims() {
        return new JWTClaimsSet.Builder()
                .issuer(AGENT_IDP)
                .subject("agent-7")
                .audience(GATEWAY_AUDIENCE)
                .issueTime(Date.from(now.minusSeconds(10)))
                .expirationTime(Date.from(now.plusSeconds(1800)));
    }

    String subjectToken() {
        return sign(idpKey, JOSEObjectType.JWT, subjectClaims().build());
    }

    String actorToken() {
        return sign(agentIdpKey, JOSEObjectType.JWT, actorClaims().build());
    }

    static String sign(ECKey key, JOSEObjectType type, JWTClaimsSet claims) {
        JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID());
        if (type != null) {
            header.type(type);
        }
        return sign(header.build(), claims, key);
    }

    static String sign(JWSHeader header, JWTClaimsSet claims, JWK key) {
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(key instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    /** Signs raw header and payload JSON with ES256, for tokens Nimbus's builders would not produce. */
    static String signRaw(String headerJson, String payloadJson, ECKey key) {
        String input = b64(headerJson) + "." + b64(payloadJson);
        try {
            Base64URL signature = new ECDSASigner(key).sign(new JWSHeader(JWSAlgorithm.ES256),
                    input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + signature;
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String b64(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }

    // DPoP proofs.

    String tokenProof() {
        return proof(proofKey, "POST", TOKEN_ENDPOINT.toString(), now, null);
    }

    String resourceProof(String method, URI uri, String accessToken) {
        return proof(proofKey, method, uri.toString(), now, accessToken);
    }

    static JWSHeader proofHeader(JWK key, JWSAlgorithm algorithm) {
        return new JWSHeader.Builder(algorithm).type(new JOSEObjectType("dpop+jwt")).jwk(key.toPublicJWK()).build();
    }

    static JWTClaimsSet.Builder proofClaims(String method, String uri, Instant issuedAt, String accessToken) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .jwtID(UUID.randomUUID().toString())
                .claim("htm", method)
                .claim("htu", uri)
                .issueTime(Date.from(issuedAt));
        if (accessToken != null) {
            claims.claim("ath", DPoPProofVerifier.accessTokenHash(accessToken).toString());
        }
        return claims;
    }

    static String proof(ECKey key, String method, String uri, Instant issuedAt, String accessToken) {
        return sign(proofHeader(key, JWSAlgorithm.ES256), proofClaims(method, uri, issuedAt, accessToken).build(), key);
    }

    /** Returns a proof with a {@code nonce} claim, or without one when {@code nonce} is null. */
    static String proof(ECKey key, String method, String uri, Instant issuedAt, String accessToken, String nonce) {
        JWTClaimsSet.Builder claims = proofClaims(method, uri, issuedAt, accessToken);
        if (nonce != null) {
            claims.claim("nonce", nonce);
        }
        return sign(proofHeader(key, JWSAlgorithm.ES256), claims.build(), key);
    }

    // Token endpoint requests.

    /** Returns a valid token exchange form with subject and actor tokens for tool {@code ops}. */
    Map<String, List<String>> form() {
        return form("grant_type", TokenExchangeService.GRANT_TYPE,
                "subject_token", subjectToken(),
                "subject_token_type", ID_TOKEN_TYPE,
                "actor_token", actorToken(),
                "actor_token_type", JWT_TOKEN_TYPE,
                "audience", "ops",
                "scope", "ops.read");
    }

    static Map<String, List<String>> form(String... namesAndValues) {
        Map<String, List<String>> form = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            form.computeIfAbsent(namesAndValues[i], name -> new ArrayList<>()).add(namesAndValues[i + 1]);
        }
        return form;
    }

    TokenExchangeRequest request(Map<String, List<String>> form) {
        return new TokenExchangeRequest("POST", TOKEN_ENDPOINT, form, List.of(tokenProof()));
    }

    /** Exchanges {@link #form()} and returns the issued access token. */
    String issueCapabilityToken() throws Exception {
        return accessToken(exchange().exchange(request(form())));
    }

    static String accessToken(TokenExchangeResult result) throws IOException {
        return json(result.responseJson()).get("access_token").asText();
    }

    static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    VerifiedCall authenticate(String accessToken, String proof) throws OAuthException {
        return authenticate(accessToken, proof, "GET", OPS_QUEUES);
    }

    VerifiedCall authenticate(String accessToken, String proof, String method, URI requestUri) throws OAuthException {
        return authenticator().authenticate(method, requestUri, "ops", List.of("DPoP " + accessToken),
                List.of(proof)).orElseThrow();
    }

    /** Grants scopes per tool to every principal; principals in group {@code oncall} are operators. */
    static final class FakeAuthority implements ScopeAuthority {

        private final Map<String, Set<String>> scopesByTool = new LinkedHashMap<>();

        void grant(String tool, String... scopes) {
            scopesByTool.put(tool, Set.of(scopes));
        }

        @Override
        public Set<String> grantableScopes(Principal principal, String tool) {
            return scopesByTool.getOrDefault(tool, Set.of());
        }

        @Override
        public PrincipalClass classify(Principal principal) {
            return principal.groups().contains("oncall") ? PrincipalClass.OPERATOR : PrincipalClass.AUTHENTICATED;
        }
    }
}
