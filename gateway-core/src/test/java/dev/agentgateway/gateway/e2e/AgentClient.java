package dev.agentgateway.gateway.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.openid.connect.sdk.Nonce;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** An agent: its own DPoP key, the token exchange, and tool calls over {@link HttpClient}. */
final class AgentClient {

    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JOSEObjectType DPOP_TYPE = new JOSEObjectType("dpop+jwt");

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    /** The gateway's public origin, the base of every proof's {@code htu}. */
    private final String origin;
    /** Where requests are sent: the origin itself, or one replica behind it. */
    private final String target;
    private final ECKey proofKey;
    private final DefaultDPoPProofFactory proofs;

    AgentClient(String origin) throws JOSEException {
        this(origin, new ECKeyGenerator(Curve.P_256).generate());
    }

    AgentClient(String origin, ECKey proofKey) throws JOSEException {
        this(origin, origin, proofKey);
    }

    /**
     * Creates an agent whose proofs name {@code origin} but whose requests go to {@code target}, as when a load
     * balancer at the origin spreads requests over replicas.
     */
    AgentClient(String origin, String target, ECKey proofKey) throws JOSEException {
        this.origin = origin;
        this.target = target;
        this.proofKey = proofKey;
        this.proofs = new DefaultDPoPProofFactory(proofKey, JWSAlgorithm.ES256);
    }

    /** Exchanges the tokens for a capability token for {@code tool}; fails unless the gateway issues one. */
    String capabilityToken(String subjectToken, String actorToken, String tool, String scope) throws Exception {
        HttpResponse<String> response = tokenRequest(exchangeForm(subjectToken, actorToken, tool, scope));
        if (response.statusCode() != 200) {
            throw new AssertionError("token exchange failed with " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body()).get("access_token").asText();
    }

    static Map<String, String> exchangeForm(String subjectToken, String actorToken, String tool, String scope) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", TOKEN_EXCHANGE);
        form.put("subject_token", subjectToken);
        form.put("subject_token_type", ID_TOKEN_TYPE);
        form.put("actor_token", actorToken);
        form.put("actor_token_type", ID_TOKEN_TYPE);
        form.put("audience", tool);
        form.put("scope", scope);
        return form;
    }

    /** Posts {@code form} to the token endpoint with a fresh DPoP proof. */
    HttpResponse<String> tokenRequest(Map<String, String> form) throws Exception {
        return tokenRequest(form, proofs.createDPoPJWT("POST", URI.create(origin + "/oauth2/token")).serialize());
    }

    /** Posts {@code form} to the token endpoint with a fresh DPoP proof carrying {@code nonce}. */
    HttpResponse<String> tokenRequestWithNonce(Map<String, String> form, String nonce) throws Exception {
        return tokenRequest(form, proofs.createDPoPJWT("POST", URI.create(origin + "/oauth2/token"),
                new Nonce(nonce)).serialize());
    }

    /** Posts {@code form} to the token endpoint with {@code proof} as its {@code DPoP} header. */
    HttpResponse<String> tokenRequest(Map<String, String> form, String proof) throws Exception {
        URI endpoint = URI.create(target + "/oauth2/token");
        String body = form.entrySet().stream()
                .map(entry -> encode(entry.getKey()) + "=" + encode(entry.getValue()))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("DPoP", proof)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Returns a DPoP proof for a call to {@code path} bound to {@code accessToken}; {@code htu} has no query. */
    String proof(String method, String path, String accessToken) throws JOSEException {
        int query = path.indexOf('?');
        URI htu = URI.create(origin + (query < 0 ? path : path.substring(0, query)));
        return proofs.createDPoPJWT(method, htu, new DPoPAccessToken(accessToken)).serialize();
    }

    /** Returns a DPoP proof like {@link #proof} whose {@code nonce} claim is {@code nonce}. */
    String proofWithNonce(String method, String path, String accessToken, String nonce) throws JOSEException {
        return proofs.createDPoPJWT(method, URI.create(origin + path), new DPoPAccessToken(accessToken),
                new Nonce(nonce)).serialize();
    }

    /**
     * Returns a proof for {@code path} signed by this agent's key whose {@code jti} is exactly {@code proofId}, for
     * proofs the SDK's factory would not create.
     */
    String proofWithId(String method, String path, String accessToken, String proofId)
            throws JOSEException, NoSuchAlgorithmException {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .jwtID(proofId)
                .claim("htm", method)
                .claim("htu", origin + path)
                .issueTime(new Date());
        if (accessToken != null) {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(StandardCharsets.US_ASCII));
            claims.claim("ath", Base64URL.encode(hash).toString());
        }
        SignedJWT proof = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(DPOP_TYPE)
                .jwk(proofKey.toPublicJWK()).build(), claims.build());
        proof.sign(new ECDSASigner(proofKey));
        return proof.serialize();
    }

    /** Calls a tool with the capability token and a fresh proof, adding {@code extraHeaders}. */
    HttpResponse<String> call(String method, String path, String accessToken, Map<String, String> extraHeaders)
            throws Exception {
        return send(method, path, Map.of("Authorization", "DPoP " + accessToken, "DPoP",
                proof(method, path, accessToken)), extraHeaders);
    }

    /** Sends a request with exactly the given credential headers and extra headers. */
    HttpResponse<String> send(String method, String path, Map<String, String> credentials,
            Map<String, String> extraHeaders) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("{\"reason\":\"test\"}"));
        credentials.forEach(request::header);
        extraHeaders.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts {@code body} to a tool as a stream of unknown length, which the client sends chunked. */
    HttpResponse<String> upload(String path, String accessToken, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(target + path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "DPoP " + accessToken)
                .header("DPoP", proof("POST", path, accessToken))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Posts {@code body} as a form to the token endpoint, waiting for {@code 100 Continue} before sending it. */
    HttpResponse<String> tokenRequestExpectingContinue(String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(target + "/oauth2/token"))
                .timeout(Duration.ofSeconds(20))
                .expectContinue(true)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
