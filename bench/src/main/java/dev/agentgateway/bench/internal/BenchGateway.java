package dev.agentgateway.bench.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.config.JwksSource;
import dev.agentgateway.config.ListenerConfig;
import dev.agentgateway.config.NonceConfig;
import dev.agentgateway.config.OperatorConfig;
import dev.agentgateway.config.PolicyConfig;
import dev.agentgateway.config.PrincipalSelector;
import dev.agentgateway.config.ReplayCacheConfig;
import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.config.RuleConfig;
import dev.agentgateway.config.SigningKeyConfig;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.config.TrustedIssuerConfig;
import dev.agentgateway.policy.Policy;
import dev.agentgateway.token.AccessTokenAuthenticator;
import dev.agentgateway.token.OAuthException;
import dev.agentgateway.token.TokenExchangeRequest;
import dev.agentgateway.token.TokenExchangeResult;
import dev.agentgateway.token.TokenExchangeService;
import dev.agentgateway.token.TokenServices;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A gateway's token services on the system clock, with two in-process identity providers (a person's and an
 * agent's, as inline JWK sets), one agent proof key and a policy that grants {@code ops.read} on tool
 * {@code ops}. Every key is generated when the gateway is started; the signing key lives in a temporary directory
 * that {@link #close} deletes.
 */
public final class BenchGateway implements AutoCloseable {

    /** Public origin of the gateway: the capability tokens' {@code iss} and the base of every {@code htu}. */
    public static final String ORIGIN = "http://127.0.0.1:8080";
    /** The one tool the policy grants access to. */
    public static final String TOOL = "ops";
    /** Request URI of the measured tool call. */
    public static final URI REQUEST_URI = URI.create(ORIGIN + "/tools/ops/queues");
    /** Request method of the measured tool call. */
    public static final String METHOD = "GET";
    /**
     * Lifetime of capability tokens, the maximum the gateway issues. Benchmarks issue a new token for every
     * iteration, so an iteration may last up to this long.
     */
    public static final Duration CAPABILITY_LIFETIME = TokenConfig.MAX_CAPABILITY_LIFETIME;
    /** Maximum proof age, the maximum the configuration allows, so a ring signed before an iteration lasts it. */
    public static final Duration PROOF_MAX_AGE = Duration.ofSeconds(300);
    /** Clock skew tolerance, the configuration's default. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(5);

    private static final URI TOKEN_ENDPOINT = URI.create(ORIGIN + TokenServices.TOKEN_ENDPOINT_PATH);
    private static final String PERSON_IDP = "https://idp.example.test";
    private static final String AGENT_IDP = "https://agents.example.test";
    private static final String GATEWAY_AUDIENCE = "agent-gateway";
    private static final String ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
    private static final String JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";

    private final Path directory;
    private final ECKey personIdpKey;
    private final ECKey agentIdpKey;
    private final DefaultDPoPProofFactory proofFactory;
    private final TokenServices services;

    private BenchGateway(Path directory, ECKey personIdpKey, ECKey agentIdpKey, DefaultDPoPProofFactory proofFactory,
            TokenServices services) {
        this.directory = directory;
        this.personIdpKey = personIdpKey;
        this.agentIdpKey = agentIdpKey;
        this.proofFactory = proofFactory;
        this.services = services;
    }

    /**
     * Generates the keys and builds the token services.
     *
     * @param signingAlgorithm the gateway signing key's algorithm, {@code ES256} or {@code EdDSA}
     * @param verifiedTokenCacheSize bound of the verified-token cache; 0 turns it off
     * @throws IllegalStateException when token-exchange does not support {@code signingAlgorithm}
     */
    public static BenchGateway start(String signingAlgorithm, long verifiedTokenCacheSize)
            throws IOException, JOSEException {
        Path directory = Files.createTempDirectory("agent-gateway-bench");
        try {
            ECKey personIdpKey = ecKey("person-idp-1");
            ECKey agentIdpKey = ecKey("agent-idp-1");
            DefaultDPoPProofFactory proofFactory = new DefaultDPoPProofFactory(ecKey(null), JWSAlgorithm.ES256);
            GatewayConfig config = config(directory, signingAlgorithm, verifiedTokenCacheSize, personIdpKey,
                    agentIdpKey);
            Clock clock = Clock.systemUTC();
            TokenServices services = TokenServices.create(config, ORIGIN, Policy.from(config.policy(), clock), clock);
            return new BenchGateway(directory, personIdpKey, agentIdpKey, proofFactory, services);
        } catch (IOException | JOSEException | RuntimeException e) {
            deleteRecursively(directory);
            throw e;
        }
    }

    private static ECKey ecKey(String keyId) throws JOSEException {
        ECKeyGenerator generator = new ECKeyGenerator(Curve.P_256);
        return keyId == null ? generator.generate() : generator.keyID(keyId).generate();
    }

    private static GatewayConfig config(Path directory, String signingAlgorithm, long verifiedTokenCacheSize,
            ECKey personIdpKey, ECKey agentIdpKey) {
        RouteConfig route = new RouteConfig(TOOL, "/tools/ops/", URI.create("http://127.0.0.1:9/"),
                Duration.ofSeconds(2), Duration.ofSeconds(30), TOOL);
        List<TrustedIssuerConfig> issuers = List.of(issuer(PERSON_IDP, personIdpKey), issuer(AGENT_IDP, agentIdpKey));
        TokenConfig tokens = new TokenConfig(CAPABILITY_LIFETIME, PROOF_MAX_AGE, CLOCK_SKEW, Duration.ofSeconds(60),
                NonceConfig.defaults(), ReplayCacheConfig.defaults(), verifiedTokenCacheSize);
        RuleConfig opsRead = new RuleConfig("ops-read", new PrincipalSelector("authenticated", Set.of(), Set.of(),
                Set.of()), TOOL, Set.of(METHOD), List.of("queues"), "ops.read");
        PolicyConfig policy = new PolicyConfig(new OperatorConfig(Set.of("oncall"), Set.of("hwk"), null, null),
                List.of(opsRead));
        return new GatewayConfig(null, new ListenerConfig("127.0.0.1", 0), new ListenerConfig("127.0.0.1", 0),
                ORIGIN, List.of(route), issuers, new SigningKeyConfig(directory.resolve("signing-key.jwk"),
                        signingAlgorithm), new AuditConfig(directory.resolve("audit")), tokens, policy, null);
    }

    private static TrustedIssuerConfig issuer(String issuer, ECKey key) {
        String jwks = new JWKSet(key.toPublicJWK()).toString();
        return new TrustedIssuerConfig(issuer, new JwksSource.Inline(jwks), Set.of(GATEWAY_AUDIENCE),
                Set.of("ES256"), Set.of("JWT"));
    }

    public AccessTokenAuthenticator authenticator() {
        return services.authenticator();
    }

    /** Returns the JWS algorithm names the gateway accepts for DPoP proofs. */
    public Set<String> dpopAlgorithms() {
        return services.dpopAlgorithms();
    }

    /**
     * Exchanges fresh subject and actor tokens at the token endpoint for a capability token for {@link #TOOL},
     * bound to this gateway's agent proof key.
     *
     * @throws OAuthException when the token endpoint rejects the exchange, which means the setup is wrong
     */
    public String issueCapabilityToken() throws OAuthException {
        Map<String, List<String>> form = new LinkedHashMap<>();
        form.put("grant_type", List.of(TokenExchangeService.GRANT_TYPE));
        form.put("subject_token", List.of(subjectToken()));
        form.put("subject_token_type", List.of(ID_TOKEN_TYPE));
        form.put("actor_token", List.of(actorToken()));
        form.put("actor_token_type", List.of(JWT_TOKEN_TYPE));
        form.put("audience", List.of(TOOL));
        form.put("scope", List.of("ops.read"));
        String proof = sign(() -> proofFactory.createDPoPJWT("POST", TOKEN_ENDPOINT));
        TokenExchangeRequest request = new TokenExchangeRequest("POST", TOKEN_ENDPOINT, form, List.of(proof));
        TokenExchangeResult result = services.tokenExchange().exchange(request);
        return accessToken(result.responseJson());
    }

    private static String accessToken(String responseJson) {
        try {
            return JSONObjectUtils.getString(JSONObjectUtils.parse(responseJson), "access_token");
        } catch (ParseException e) {
            throw new IllegalStateException("token endpoint response is not a JSON object with access_token: "
                    + e.getMessage(), e);
        }
    }

    private String subjectToken() {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(PERSON_IDP)
                .subject("alice")
                .audience(GATEWAY_AUDIENCE)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .claim("groups", List.of("sre"))
                .claim("amr", List.of("pwd"))
                .claim("auth_time", now.getEpochSecond())
                .build();
        return signIdentityToken(personIdpKey, claims);
    }

    private String actorToken() {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(AGENT_IDP)
                .subject("agent-7")
                .audience(GATEWAY_AUDIENCE)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .build();
        return signIdentityToken(agentIdpKey, claims);
    }

    private static String signIdentityToken(ECKey key, JWTClaimsSet claims) {
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).keyID(key.getKeyID())
                .build();
        return sign(() -> {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(new ECDSASigner(key));
            return jwt;
        });
    }

    /**
     * Signs a new ES256 DPoP proof for {@link #METHOD} {@link #REQUEST_URI} whose {@code ath} binds it to
     * {@code accessToken}. Its {@code jti} is random and its {@code iat} is now. Thread-safe.
     */
    public String resourceProof(String accessToken) {
        DPoPAccessToken token = new DPoPAccessToken(accessToken);
        return sign(() -> proofFactory.createDPoPJWT(METHOD, REQUEST_URI, token));
    }

    /** Returns the RFC 7638 thumbprint of the agent's proof key, which capability tokens carry as {@code cnf.jkt}. */
    public String proofKeyThumbprint() {
        try {
            return proofFactory.getPublicJWK().computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("computing the proof key thumbprint failed: " + e.getMessage(), e);
        }
    }

    private interface Signing {
        SignedJWT sign() throws JOSEException;
    }

    private static String sign(Signing signing) {
        try {
            return signing.sign().serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("ES256 signing failed: " + e.getMessage(), e);
        }
    }

    /** Deletes the temporary directory with the gateway's signing key. */
    @Override
    public void close() throws IOException {
        deleteRecursively(directory);
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
