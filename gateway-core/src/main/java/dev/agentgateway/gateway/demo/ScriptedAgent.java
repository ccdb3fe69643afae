package dev.agentgateway.gateway.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.DPoPProofFactory;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.openid.connect.sdk.Nonce;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * An AI agent reduced to its protocol: it has its own DPoP key (EC P-256), exchanges a person's ID token and its
 * own identity token for a capability at the gateway's token endpoint (RFC 8693 with RFC 9449 proofs), and calls
 * tools with {@code Authorization: DPoP} and a fresh proof per request.
 *
 * <p>When the gateway rejects a proof with {@code use_dpop_nonce} and a {@code DPoP-Nonce} header (RFC 9449 §8),
 * the agent retries once with that nonce and uses the latest nonce in later proofs. Tokens and proofs never appear
 * in return values' {@code toString()} or in exception messages. Thread-safe.
 */
public final class ScriptedAgent {

    /** RFC 8693 grant type of the token exchange. */
    public static final String TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";

    /** RFC 8693 token type of OpenID Connect ID tokens, used for both subject and actor tokens. */
    public static final String ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";

    private static final String TOKEN_PATH = "/oauth2/token";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI origin;
    private final ECKey dpopKey;
    private final DPoPProofFactory proofFactory;
    private final HttpClient client;
    private final AtomicReference<String> latestNonce = new AtomicReference<>();

    private ScriptedAgent(URI origin, ECKey dpopKey, DPoPProofFactory proofFactory, HttpClient client) {
        this.origin = origin;
        this.dpopKey = dpopKey;
        this.proofFactory = proofFactory;
        this.client = client;
    }

    /**
     * Creates an agent with a new DPoP key that talks to the gateway at {@code gatewayOrigin}.
     *
     * @param gatewayOrigin scheme, host and port of the gateway, for example {@code http://127.0.0.1:8080}; the
     *     proofs' {@code htu} values start with it
     */
    public static ScriptedAgent create(String gatewayOrigin) {
        URI origin = URI.create(Objects.requireNonNull(gatewayOrigin, "gatewayOrigin"));
        boolean hasPath = origin.getRawPath() != null && !origin.getRawPath().isEmpty();
        if (hasPath || origin.getHost() == null || origin.getRawQuery() != null) {
            throw new IllegalArgumentException("gateway origin: \"" + gatewayOrigin
                    + "\" (expected: scheme://host[:port] without a path)");
        }
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256).algorithm(JWSAlgorithm.ES256).generate();
            DPoPProofFactory factory = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
            HttpClient client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(REQUEST_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
            return new ScriptedAgent(origin, key, factory, client);
        } catch (JOSEException e) {
            throw new IllegalStateException("Generating the agent's DPoP key failed", e);
        }
    }

    /** Returns the RFC 7638 thumbprint of the agent's DPoP public key, the {@code cnf.jkt} of its capabilities. */
    public String keyThumbprint() {
        try {
            return dpopKey.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("Computing the DPoP key thumbprint failed", e);
        }
    }

    /**
     * Exchanges {@code subjectToken} (the person's ID token) and {@code actorToken} (the agent's own ID token) for
     * a capability for {@code tool} with {@code scope}.
     */
    public TokenExchangeOutcome exchange(String subjectToken, String actorToken, String tool, String scope)
            throws IOException, InterruptedException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", TOKEN_EXCHANGE_GRANT);
        form.put("subject_token", Objects.requireNonNull(subjectToken, "subjectToken"));
        form.put("subject_token_type", ID_TOKEN_TYPE);
        form.put("actor_token", Objects.requireNonNull(actorToken, "actorToken"));
        form.put("actor_token_type", ID_TOKEN_TYPE);
        form.put("audience", Objects.requireNonNull(tool, "tool"));
        form.put("scope", Objects.requireNonNull(scope, "scope"));
        String body = formEncode(form);

        HttpResponse<String> response = sendTokenRequest(body, latestNonce.get());
        if (isNonceChallenge(response)) {
            response = sendTokenRequest(body, latestNonce.get());
        }
        return toOutcome(response, tool);
    }

    /** Calls {@code method} {@code path} on the gateway with {@code capability} and no body. */
    public ToolCall call(Capability capability, String method, String path) throws IOException, InterruptedException {
        return call(capability, method, path, null, Map.of());
    }

    /**
     * Calls the gateway with {@code capability} and a fresh DPoP proof.
     *
     * @param path origin-relative request path, optionally with a query, for example {@code /tools/ops/queues}
     * @param jsonBody request body sent as {@code application/json}, or {@code null} for none
     * @param extraHeaders further request headers, for example a {@code Cookie} the gateway must not forward
     */
    public ToolCall call(Capability capability, String method, String path, String jsonBody,
            Map<String, String> extraHeaders) throws IOException, InterruptedException {
        Objects.requireNonNull(capability, "capability");
        Objects.requireNonNull(method, "method");
        URI target = resolve(path);
        ToolCall call = send(buildCall(capability, method, target, jsonBody, extraHeaders, latestNonce.get()));
        if (isNonceChallenge(call)) {
            call = send(buildCall(capability, method, target, jsonBody, extraHeaders, latestNonce.get()));
        }
        return call;
    }

    /** Sends {@code previous} again unchanged, with the same token and the same DPoP proof. */
    public ToolCall replay(ToolCall previous) throws IOException, InterruptedException {
        return send(new SignedCall(previous.request(), previous.proofId()));
    }

    private HttpResponse<String> sendTokenRequest(String form, String nonce) throws IOException, InterruptedException {
        URI endpoint = origin.resolve(TOKEN_PATH);
        SignedJWT proof = createProof("POST", endpoint, null, nonce);
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("DPoP", proof.serialize())
                .POST(BodyPublishers.ofString(form))
                .build();
        HttpResponse<String> response = client.send(request, BodyHandlers.ofString());
        response.headers().firstValue("DPoP-Nonce").ifPresent(latestNonce::set);
        return response;
    }

    private TokenExchangeOutcome toOutcome(HttpResponse<String> response, String tool) throws IOException {
        JsonNode body = parseJson(response.body(), "token endpoint response");
        if (response.statusCode() != 200) {
            return new TokenExchangeOutcome(response.statusCode(), null, textOrNull(body, "error"),
                    textOrNull(body, "error_description"));
        }
        String tokenType = body.path("token_type").asText("");
        if (!tokenType.equalsIgnoreCase("DPoP")) {
            throw new IOException("token endpoint response: token_type \"" + tokenType + "\" (expected: DPoP)");
        }
        String accessToken = body.path("access_token").asText("");
        if (accessToken.isEmpty()) {
            throw new IOException("token endpoint response: access_token is missing");
        }
        Capability capability = new Capability(accessToken, tool, body.path("scope").asText(""),
                tokenIdOf(accessToken), body.path("expires_in").asLong(-1));
        return new TokenExchangeOutcome(200, capability, null, null);
    }

    private SignedCall buildCall(Capability capability, String method, URI target, String jsonBody,
            Map<String, String> extraHeaders, String nonce) {
        SignedJWT proof = createProof(method, withoutQuery(target), capability.accessToken(), nonce);
        HttpRequest.Builder request = HttpRequest.newBuilder(target)
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "DPoP " + capability.accessToken())
                .header("DPoP", proof.serialize())
                .header("Accept", "application/json, application/problem+json");
        extraHeaders.forEach(request::header);
        if (jsonBody == null) {
            request.method(method, BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json");
            request.method(method, BodyPublishers.ofString(jsonBody));
        }
        return new SignedCall(request.build(), proofIdOf(proof));
    }

    private ToolCall send(SignedCall call) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(call.request(), BodyHandlers.ofString());
        response.headers().firstValue("DPoP-Nonce").ifPresent(latestNonce::set);
        return new ToolCall(call.request(), call.proofId(), response.statusCode(), response.headers(),
                response.body());
    }

    /**
     * Creates a proof for {@code htm} and {@code htu}; with {@code accessToken}, it carries {@code ath} (RFC 9449
     * §4.2).
     */
    private SignedJWT createProof(String htm, URI htu, String accessToken, String nonce) {
        Nonce proofNonce = nonce == null ? null : new Nonce(nonce);
        try {
            if (accessToken == null) {
                return proofNonce == null
                        ? proofFactory.createDPoPJWT(htm, htu)
                        : proofFactory.createDPoPJWT(htm, htu, proofNonce);
            }
            DPoPAccessToken token = new DPoPAccessToken(accessToken);
            return proofNonce == null
                    ? proofFactory.createDPoPJWT(htm, htu, token)
                    : proofFactory.createDPoPJWT(htm, htu, token, proofNonce);
        } catch (JOSEException e) {
            throw new IllegalStateException("Signing a DPoP proof for " + htm + " " + htu + " failed", e);
        }
    }

    private URI resolve(String path) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path: \"" + path + "\" (expected: an absolute path such as "
                    + "/tools/ops/queues)");
        }
        return URI.create(origin.toString() + path);
    }

    /** Returns {@code uri} without query and fragment, the form RFC 9449 §4.2 requires for {@code htu}. */
    private static URI withoutQuery(URI uri) {
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath());
    }

    private static boolean isNonceChallenge(HttpResponse<String> response) {
        if (response.statusCode() != 400 || response.headers().firstValue("DPoP-Nonce").isEmpty()) {
            return false;
        }
        try {
            return "use_dpop_nonce".equals(JSON.readTree(response.body()).path("error").asText());
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isNonceChallenge(ToolCall call) {
        return call.status() == 401
                && call.header("DPoP-Nonce").isPresent()
                && call.header("WWW-Authenticate").orElse("").contains("use_dpop_nonce");
    }

    private static String formEncode(Map<String, String> form) {
        return form.entrySet().stream()
                .map(entry -> URLEncoder.encode(entry.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(entry.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static JsonNode parseJson(String body, String what) throws IOException {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new IOException(what + ": the body is not JSON (" + body.length() + " characters)", e);
        }
    }

    private static String textOrNull(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || !value.isTextual() ? null : value.textValue();
    }

    /**
     * Reads the capability token's {@code jti} for display. The agent treats the token as opaque otherwise, so the
     * signature is not checked here: the gateway checks it on every call.
     */
    private static String tokenIdOf(String accessToken) {
        try {
            String jti = SignedJWT.parse(accessToken).getJWTClaimsSet().getJWTID();
            return jti == null ? "unknown" : jti;
        } catch (ParseException e) {
            return "unknown";
        }
    }

    private static String proofIdOf(SignedJWT proof) {
        try {
            return proof.getJWTClaimsSet().getJWTID();
        } catch (ParseException e) {
            throw new IllegalStateException("Reading the jti of a proof this agent signed failed", e);
        }
    }

    /** A request ready to send, with the {@code jti} of the proof it carries. */
    private record SignedCall(HttpRequest request, String proofId) {
    }
}
