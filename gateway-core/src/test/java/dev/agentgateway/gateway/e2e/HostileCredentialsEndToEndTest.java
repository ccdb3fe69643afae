package dev.agentgateway.gateway.e2e;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.gateway.GatewayServer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile capability tokens and DPoP proofs sent to a proxied route over real loopback sockets. Every request must
 * be rejected before anything reaches the backend, with the status, {@code WWW-Authenticate} error and RFC 9457
 * body that the case names. One gateway serves the whole table, and each case counts the backend's requests
 * around its own attack. Control cases that must be accepted sit beside the table. Nonce cases are in
 * {@link DPoPNonceEndToEndTest}, and proofs replayed at a second replica in {@link SharedReplayCacheEndToEndTest}.
 */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileCredentialsEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUEUES = "/tools/ops/queues";
    private static final String INVALID_TOKEN = "invalid_token";
    private static final String INVALID_PROOF = "invalid_dpop_proof";
    private static final String INVALID_REQUEST = "invalid_request";
    /** Nesting depth of the deeply nested JSON cases, as deep as fits in the 8 KiB token and proof limits. */
    private static final int NESTING_DEPTH = 2_500;

    @TempDir
    static Path directory;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private RecordingBackend backend;
    private TestIdentityProvider humans;
    private TestIdentityProvider agents;
    private GatewayServer gateway;
    private String origin;
    private ECKey agentKey;
    private AgentClient agent;
    private String token;
    private ECKey gatewayKey;
    private ServerSocketChannel keyServer;

    @BeforeAll
    void startGateway() throws Exception {
        backend = RecordingBackend.start();
        humans = new TestIdentityProvider("https://idp.example.test");
        agents = new TestIdentityProvider("https://agents.example.test");
        Path configFile = directory.resolve("gateway.yaml");
        Files.writeString(configFile, configYaml());
        GatewayConfig config = ConfigLoader.load(configFile);
        gateway = GatewayServer.start(config);
        origin = gateway.publicOrigin();
        agentKey = new ECKeyGenerator(Curve.P_256).generate();
        agent = new AgentClient(origin, agentKey);
        token = agent.capabilityToken(humans.idToken("alice", List.of("sre"), List.of("pwd")),
                agents.idToken("agent-7", List.of(), List.of()), "ops", "ops.read");
        gatewayKey = JWKSet.parse(Files.readString(config.signingKey().path())).getKeys().get(0).toECKey();
        keyServer = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        keyServer.configureBlocking(false);
    }

    @AfterAll
    void stopGateway() throws IOException {
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (keyServer != null) {
            keyServer.close();
        }
    }

    private String configYaml() {
        return TestIdentityProvider.gatewayYaml(humans, agents) + """
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:%d/api/
                    connect-timeout: 1s
                    response-timeout: 5s
                policy:
                  rules:
                    - id: ops-read
                      principals: {class: authenticated}
                      tool: ops
                      methods: [GET]
                      paths: ["queues", "queues/*"]
                      scope: ops.read
                """.formatted(backend.port());
    }

    /** One hostile request: the case name, how to build it, and the rejection it must get. */
    record Attack(String name, Scenario scenario, int status, String error) {

        @Override
        public String toString() {
            return name;
        }
    }

    /** Builds the request of one case. It may send legitimate requests first, as a replay needs. */
    @FunctionalInterface
    interface Scenario {
        Call prepare(HostileCredentialsEndToEndTest fixture) throws Exception;
    }

    /** A request to send: method, path and header fields in order, repeated names allowed. */
    record Call(String method, String path, List<Map.Entry<String, String>> headers) {
    }

    Stream<Attack> attacks() {
        return Stream.of(
                // Unsecured and symmetric algorithms on the capability token.
                tokenAttack("token alg none", f -> f.unsigned("none", "")),
                tokenAttack("token alg none with signature", f -> f.unsigned("none", "c2ln")),
                tokenAttack("token alg NONE with signature", f -> f.unsigned("NONE", "c2ln")),
                tokenAttack("token alg nOnE with signature", f -> f.unsigned("nOnE", "c2ln")),
                tokenAttack("token HS256 keyed with gateway JWK", f -> HostileJws.hs256(f.tokenHeader("HS256"),
                        f.tokenPayload(), f.gatewayKey.toPublicJWK().toJSONString().getBytes(UTF_8))),
                tokenAttack("token HS256 keyed with gateway SPKI", f -> HostileJws.hs256(f.tokenHeader("HS256"),
                        f.tokenPayload(), f.gatewayKey.toECPublicKey().getEncoded())),
                tokenAttack("token HS256 keyed with gateway x", f -> HostileJws.hs256(f.tokenHeader("HS256"),
                        f.tokenPayload(), f.gatewayKey.getX().decode())),

                // Keys named or embedded in the token header.
                tokenAttack("token embedded jwk", f -> f.selfSigned(Map.of())),
                tokenAttack("token embedded jwk with gateway kid", f -> f.selfSigned(
                        Map.of("kid", f.gatewayKey.getKeyID()))),
                tokenAttack("token jku to loopback", f -> f.selfSigned(Map.of("jku", f.keyServerUrl("jwks.json")))),
                tokenAttack("token x5u to loopback", f -> f.selfSigned(Map.of("x5u", f.keyServerUrl("cert.pem")))),

                // Degenerate ECDSA signatures.
                tokenAttack("token r=s=0 raw", f -> HostileJws.withSignature(f.tokenHeader("ES256"),
                        f.tokenPayload(), new byte[64])),
                tokenAttack("token r=s=n raw", f -> HostileJws.withSignature(f.tokenHeader("ES256"),
                        f.tokenPayload(), HostileJws.rawSignature(HostileJws.P256_ORDER))),
                tokenAttack("token r=s=0 DER", f -> HostileJws.withSignature(f.tokenHeader("ES256"),
                        f.tokenPayload(), HostileJws.derSignature(new byte[32]))),
                tokenAttack("token r=s=n DER", f -> HostileJws.withSignature(f.tokenHeader("ES256"),
                        f.tokenPayload(), HostileJws.derSignature(HostileJws.P256_ORDER))),
                tokenAttack("token empty signature bytes", f -> f.tokenSigningInput() + "."),

                // Encrypted and oversized structures.
                tokenAttack("token JWE with huge p2c", f -> f.jwe()),
                tokenAttack("token JWS header with PBES2 p2c", f -> HostileJws.es256(HostileJws.json(Map.of(
                        "alg", "PBES2-HS256+A128KW", "typ", "at+jwt", "p2c", Integer.MAX_VALUE,
                        "p2s", "c2FsdA")), f.tokenPayload(), f.agentKey)),
                // Signed by the agent's key, so a parser that survives the nesting still meets a bad signature.
                tokenAttack("token deeply nested payload", f -> HostileJws.es256(f.tokenHeader("ES256"),
                        HostileJws.nestedArrays(HostileJws.segment(f.token, 1), NESTING_DEPTH), f.agentKey)),
                tokenAttack("token deeply nested header", f -> HostileJws.es256(HostileJws.nestedArrays(
                        HostileJws.segment(f.token, 0), NESTING_DEPTH), f.tokenPayload(), f.agentKey)),

                // Serializations other than compact.
                tokenAttack("token JSON serialization", f -> f.jsonSerialization(f.token)),
                tokenAttack("token flattened JSON serialization", f -> f.flattenedSerialization(f.token)),
                tokenAttack("token trailing padding", f -> f.token + "=="),
                tokenAttack("token padded segment", f -> f.token.replaceFirst("\\.", "==.")),
                tokenAttack("token two segments", f -> f.tokenSigningInput()),
                tokenAttack("token four segments", f -> f.token + ".AAAA"),
                tokenAttack("token one segment", f -> f.token.substring(0, f.token.indexOf('.'))),
                tokenAttack("token empty middle segment", f -> f.token.replaceFirst("\\.[^.]+\\.", "..")),
                tokenAttack("token base64 not base64url", f -> f.notBase64Url(f.token)),
                tokenAttack("token with percent escape", f -> f.token.replaceFirst("\\.", "%2E")),

                // Lifetime claims of tokens that the gateway's own key signed.
                tokenAttack("token expired", f -> f.gatewaySigned(Map.of("exp", f.now() - 120))),
                tokenAttack("token exp missing", f -> f.gatewaySigned(Map.of("exp", Remove.CLAIM))),
                tokenAttack("token exp string", f -> f.gatewaySigned(Map.of("exp", Long.toString(f.now() + 120)))),
                tokenAttack("token exp null", f -> f.gatewaySigned(Map.of("exp", Remove.NULL))),
                tokenAttack("token exp negative", f -> f.gatewaySigned(Map.of("exp", -1))),
                tokenAttack("token exp past year 9999", f -> f.gatewaySigned(Map.of("exp", 253_402_300_800L))),
                tokenAttack("token exp huge float", f -> f.gatewaySigned(Map.of("exp", 1.0e300))),
                tokenAttack("token exp beyond max lifetime", f -> f.gatewaySigned(Map.of("iat", f.now(),
                        "exp", f.now() + 3_600))),
                tokenAttack("token iat in future", f -> f.gatewaySigned(Map.of("iat", f.now() + 600,
                        "exp", f.now() + 700))),
                tokenAttack("token nbf in future", f -> f.gatewaySigned(Map.of("nbf", f.now() + 120))),

                // Other JWTs presented as capability tokens.
                tokenAttack("DPoP proof as token", f -> f.agentProofFor(null)),
                tokenAttack("ID token as token", f -> f.humans.idToken("alice", List.of("sre"), List.of("pwd"))),
                tokenAttack("Txn-Token as token", HostileCredentialsEndToEndTest::txnToken),
                tokenAttack("token typ JWT", f -> HostileJws.es256(HostileJws.json(Map.of("alg", "ES256", "typ",
                        "JWT", "kid", f.gatewayKey.getKeyID())), f.tokenPayload(), f.gatewayKey)),

                // Hostile proofs with a valid capability token.
                proofAttack("proof alg none", f -> HostileJws.base64Url(HostileJws.json(f.proofHeader("none",
                        f.agentKey))) + "." + HostileJws.base64Url(f.proofClaims("GET", f.origin + QUEUES)) + "."),
                proofAttack("proof HS256", f -> HostileJws.hs256(HostileJws.json(f.proofHeader("HS256",
                        f.agentKey)), f.proofClaims("GET", f.origin + QUEUES), "secret".getBytes(UTF_8))),
                proofAttack("proof r=s=0 raw", f -> HostileJws.withSignature(HostileJws.json(f.proofHeader("ES256",
                        f.agentKey)), f.proofClaims("GET", f.origin + QUEUES), new byte[64])),
                proofAttack("proof r=s=n raw", f -> HostileJws.withSignature(HostileJws.json(f.proofHeader("ES256",
                        f.agentKey)), f.proofClaims("GET", f.origin + QUEUES),
                        HostileJws.rawSignature(HostileJws.P256_ORDER))),
                proofAttack("proof r=s=0 DER", f -> HostileJws.withSignature(HostileJws.json(f.proofHeader("ES256",
                        f.agentKey)), f.proofClaims("GET", f.origin + QUEUES), HostileJws.derSignature(new byte[32]))),
                proofAttack("proof r=s=n DER", f -> HostileJws.withSignature(HostileJws.json(f.proofHeader("ES256",
                        f.agentKey)), f.proofClaims("GET", f.origin + QUEUES),
                        HostileJws.derSignature(HostileJws.P256_ORDER))),
                proofAttack("proof jwk not on curve", HostileCredentialsEndToEndTest::offCurveProof),
                proofAttack("proof jwk with private key", f -> f.proof(Map.of("jwk",
                        f.agentKey.toJSONObject()), Map.of())),
                proofAttack("proof jwk symmetric", f -> f.proof(Map.of("jwk", Map.of("kty", "oct", "k",
                        HostileJws.base64Url("secret"))), Map.of())),
                proofAttack("proof signed by other key", f -> HostileJws.es256(HostileJws.json(f.proofHeader(
                        "ES256", f.agentKey)), f.proofClaims("GET", f.origin + QUEUES),
                        new ECKeyGenerator(Curve.P_256).generate())),
                proofAttack("proof typ JWT", f -> f.proof(Map.of("typ", "JWT"), Map.of())),
                proofAttack("proof JWE", f -> f.jwe()),
                proofAttack("proof deeply nested claims", f -> HostileJws.es256(HostileJws.json(f.proofHeader(
                        "ES256", f.agentKey)), HostileJws.nestedArrays(f.proofClaimMap("GET", f.origin + QUEUES),
                        NESTING_DEPTH), f.agentKey)),
                proofAttack("proof JSON serialization", f -> f.jsonSerialization(f.proof(Map.of(), Map.of()))),
                proofAttack("proof trailing padding", f -> f.proof(Map.of(), Map.of()) + "="),
                proofAttack("proof two segments", f -> {
                    String proof = f.proof(Map.of(), Map.of());
                    return proof.substring(0, proof.lastIndexOf('.'));
                }),
                proofAttack("proof four segments", f -> f.proof(Map.of(), Map.of()) + ".AAAA"),
                proofAttack("proof base64 not base64url", f -> f.notBase64Url(f.proof(Map.of(), Map.of()))),
                proofAttack("proof iat too old", f -> f.proof(Map.of(), Map.of("iat", f.now() - 600))),
                proofAttack("proof iat in future", f -> f.proof(Map.of(), Map.of("iat", f.now() + 600))),
                proofAttack("proof iat missing", f -> f.proof(Map.of(), Map.of("iat", Remove.CLAIM))),
                proofAttack("proof iat string", f -> f.proof(Map.of(), Map.of("iat", Long.toString(f.now())))),
                proofAttack("proof jti missing", f -> f.proof(Map.of(), Map.of("jti", Remove.CLAIM))),

                // Binding of the proof to the request and the token.
                proofAttack("htu scheme https", f -> f.proof(Map.of(), Map.of("htu",
                        f.origin.replaceFirst("^http:", "https:") + QUEUES))),
                proofAttack("htu host localhost", f -> f.proof(Map.of(), Map.of("htu",
                        f.origin.replace("127.0.0.1", "localhost") + QUEUES))),
                proofAttack("htu other port", f -> f.proof(Map.of(), Map.of("htu", "http://127.0.0.1:"
                        + (f.gateway.agentAddress().getPort() + 1) + QUEUES))),
                proofAttack("htu other path", f -> f.proof(Map.of(), Map.of("htu", f.origin + "/tools/ops/nodes"))),
                proofAttack("htu trailing slash", f -> f.proof(Map.of(), Map.of("htu", f.origin + QUEUES + "/"))),
                proofAttack("htu path prefix only", f -> f.proof(Map.of(), Map.of("htu", f.origin + "/tools/ops/"))),
                proofAttack("htu origin only", f -> f.proof(Map.of(), Map.of("htu", f.origin))),
                proofAttack("htm lower case", f -> f.proof(Map.of(), Map.of("htm", "get"))),
                proofAttack("htm POST for GET", f -> f.proof(Map.of(), Map.of("htm", "POST"))),
                proofAttack("htm missing", f -> f.proof(Map.of(), Map.of("htm", Remove.CLAIM))),
                proofAttack("ath missing", f -> f.proof(Map.of(), Map.of("ath", Remove.CLAIM))),
                proofAttack("ath of other token", f -> f.proof(Map.of(), Map.of("ath",
                        HostileJws.accessTokenHash(f.token + "x")))),
                new Attack("replayed proof", HostileCredentialsEndToEndTest::replayedProof, 401, INVALID_PROOF),
                new Attack("stolen token with other key's proof", HostileCredentialsEndToEndTest::stolenToken,
                        401, INVALID_TOKEN),

                // Authorization and DPoP header fields themselves.
                new Attack("Bearer scheme", f -> f.call(List.of(Map.entry("Authorization", "Bearer " + f.token),
                        Map.entry("DPoP", f.agentProofFor(f.token)))), 401, INVALID_TOKEN),
                new Attack("Bearer without proof", f -> f.call(List.of(Map.entry("Authorization",
                        "Bearer " + f.token))), 401, INVALID_TOKEN),
                new Attack("token without proof", f -> f.call(List.of(Map.entry("Authorization",
                        "DPoP " + f.token))), 401, INVALID_PROOF),
                new Attack("proof without token", f -> f.call(List.of(Map.entry("DPoP",
                        f.agentProofFor(f.token)))), 400, INVALID_REQUEST),
                new Attack("two DPoP headers", f -> f.call(List.of(Map.entry("Authorization", "DPoP " + f.token),
                        Map.entry("DPoP", f.agentProofFor(f.token)), Map.entry("DPoP", f.agentProofFor(f.token)))),
                        400, INVALID_REQUEST),
                new Attack("two Authorization fields", f -> f.call(List.of(Map.entry("Authorization",
                        "DPoP " + f.token), Map.entry("Authorization", "DPoP " + f.token),
                        Map.entry("DPoP", f.agentProofFor(f.token)))), 400, INVALID_REQUEST),
                new Attack("two Authorization values in one field", f -> f.call(List.of(Map.entry("Authorization",
                        "DPoP " + f.token + ", DPoP " + f.token), Map.entry("DPoP", f.agentProofFor(f.token)))),
                        401, INVALID_TOKEN),
                new Attack("DPoP scheme without token", f -> f.call(List.of(Map.entry("Authorization", "DPoP"),
                        Map.entry("DPoP", f.agentProofFor(f.token)))), 401, INVALID_TOKEN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void attackRejectedBeforeBackend(Attack attack) throws Exception {
        Call call = attack.scenario().prepare(this);
        int forwardedBefore = backend.received().size();

        HttpResponse<String> response = send(call);

        assertThat(response.statusCode()).as("status; body %s", response.body()).isEqualTo(attack.status());
        String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
        assertThat(challenge).as("WWW-Authenticate").startsWith("DPoP ");
        assertThat(challenge).as("WWW-Authenticate").contains("error=\"" + attack.error() + "\"");
        assertThat(response.headers().allValues("WWW-Authenticate")).as("challenges").hasSize(1);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("status").asInt()).as("body status").isEqualTo(attack.status());
        assertThat(body.path("error").asText()).as("body error").isEqualTo(attack.error());
        assertThat(body.path("type").asText()).as("body type")
                .isEqualTo("https://agent-gateway.dev/problems/" + attack.error());
        assertThat(body.path("detail").asText()).as("body detail").isNotBlank();
        assertThat(backend.received().size()).as("requests forwarded to the backend")
                .isEqualTo(forwardedBefore);
        assertThat(keyServer.accept()).as("connection to the loopback key server").isNull();
        for (Map.Entry<String, String> header : call.headers()) {
            String value = header.getValue();
            String tail = value.substring(Math.max(0, value.length() - 32));
            if (tail.length() == 32) {
                assertThat(response.body()).as("body echoing %s", header.getKey()).doesNotContain(tail);
                assertThat(challenge).as("challenge echoing %s", header.getKey()).doesNotContain(tail);
            }
        }
    }

    @Test
    void multiMegabyteTokenGets431() throws Exception {
        int forwardedBefore = backend.received().size();
        String hugeToken = "A".repeat(3 * 1024 * 1024);

        RawResponse response = sendRaw("GET " + QUEUES + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: DPoP "
                + hugeToken + "\r\nDPoP: " + agentProofFor(null) + "\r\n\r\n");

        assertThat(response.status()).isEqualTo(431);
        assertThat(response.headers().get("content-type")).isEqualTo("application/problem+json");
        assertThat(response.headers()).doesNotContainKey("www-authenticate");
        assertThat(JSON.readTree(response.body()).path("status").asInt()).isEqualTo(431);
        assertThat(backend.received().size()).isEqualTo(forwardedBefore);
    }

    /**
     * Requests whose proof {@code htu} differs from the request URI only in query or fragment. RFC 9449 §4.3
     * compares the two without their query and fragment parts, so each of these is accepted and forwarded.
     */
    Stream<Arguments> acceptedProofs() throws Exception {
        return Stream.of(
                Arguments.of("request query, htu without", new Call("GET", QUEUES + "?limit=5", List.of(
                        Map.entry("Authorization", "DPoP " + token), Map.entry("DPoP", proof(Map.of(), Map.of()))))),
                Arguments.of("htu query, request without", withProof(proof(Map.of(), Map.of("htu",
                        origin + QUEUES + "?limit=5")))),
                Arguments.of("htu and request with same query", new Call("GET", QUEUES + "?limit=5", List.of(
                        Map.entry("Authorization", "DPoP " + token), Map.entry("DPoP", proof(Map.of(), Map.of("htu",
                                origin + QUEUES + "?limit=5")))))),
                Arguments.of("htu and request with other queries", new Call("GET", QUEUES + "?limit=5", List.of(
                        Map.entry("Authorization", "DPoP " + token), Map.entry("DPoP", proof(Map.of(), Map.of("htu",
                                origin + QUEUES + "?offset=9")))))),
                Arguments.of("htu fragment", withProof(proof(Map.of(), Map.of("htu", origin + QUEUES + "#top")))),
                Arguments.of("htu query and fragment", withProof(proof(Map.of(), Map.of("htu",
                        origin + QUEUES + "?limit=5#top")))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedProofs")
    void htuQueryAndFragmentIgnored(String name, Call call) throws Exception {
        int forwardedBefore = backend.received().size();

        HttpResponse<String> response = send(call);

        assertThat(response.statusCode()).as("status; body %s", response.body()).isEqualTo(200);
        assertThat(backend.received().size()).isEqualTo(forwardedBefore + 1);
    }

    @Test
    void validCallStillForwarded() throws Exception {
        int forwardedBefore = backend.received().size();

        HttpResponse<String> response = send(call(List.of(Map.entry("Authorization", "DPoP " + token),
                Map.entry("DPoP", proof(Map.of(), Map.of())))));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(backend.received().size()).isEqualTo(forwardedBefore + 1);
    }

    private static Attack tokenAttack(String name, TokenSource source) {
        return new Attack(name, f -> f.withToken(source.token(f)), 401, INVALID_TOKEN);
    }

    private static Attack proofAttack(String name, ProofSource source) {
        return new Attack(name, f -> f.withProof(source.proof(f)), 401, INVALID_PROOF);
    }

    @FunctionalInterface
    interface TokenSource {
        String token(HostileCredentialsEndToEndTest fixture) throws Exception;
    }

    @FunctionalInterface
    interface ProofSource {
        String proof(HostileCredentialsEndToEndTest fixture) throws Exception;
    }

    /** Marks a claim to remove ({@code CLAIM}) or to set to JSON {@code null} ({@code NULL}). */
    enum Remove { CLAIM, NULL }

    private Call call(List<Map.Entry<String, String>> headers) {
        return new Call("GET", QUEUES, headers);
    }

    /** Sends {@code badToken} with a proof that is valid for it, so only the token can fail. */
    private Call withToken(String badToken) throws Exception {
        return call(List.of(Map.entry("Authorization", "DPoP " + badToken), Map.entry("DPoP",
                agentProofFor(badToken))));
    }

    /** Sends the valid capability token with {@code badProof}, so only the proof can fail. */
    private Call withProof(String badProof) {
        return call(List.of(Map.entry("Authorization", "DPoP " + token), Map.entry("DPoP", badProof)));
    }

    private long now() {
        return Instant.now().getEpochSecond();
    }

    private String tokenHeader(String algorithm) {
        Map<String, Object> header = HostileJws.segment(token, 0);
        header.put("alg", algorithm);
        return HostileJws.json(header);
    }

    private String tokenPayload() {
        return HostileJws.json(HostileJws.segment(token, 1));
    }

    private String tokenSigningInput() {
        return token.substring(0, token.lastIndexOf('.'));
    }

    private String unsigned(String algorithm, String signature) {
        return HostileJws.signingInput(tokenHeader(algorithm), tokenPayload()) + "." + signature;
    }

    /** Returns the token's claims signed by a fresh key that the header carries or points at. */
    private String selfSigned(Map<String, Object> extraHeader) throws Exception {
        ECKey attacker = new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "ES256");
        header.put("typ", "at+jwt");
        header.put("kid", attacker.getKeyID());
        header.put("jwk", attacker.toPublicJWK().toJSONObject());
        header.putAll(extraHeader);
        return HostileJws.es256(HostileJws.json(header), tokenPayload(), attacker);
    }

    private String keyServerUrl(String file) throws IOException {
        InetSocketAddress address = (InetSocketAddress) keyServer.getLocalAddress();
        return "http://127.0.0.1:" + address.getPort() + "/" + file;
    }

    /** Returns the token's claims with {@code changes} applied, signed by the gateway's own key. */
    private String gatewaySigned(Map<String, Object> changes) throws Exception {
        Map<String, Object> claims = HostileJws.segment(token, 1);
        claims.put("jti", UUID.randomUUID().toString());
        changes.forEach((name, value) -> {
            if (value == Remove.CLAIM) {
                claims.remove(name);
            } else {
                claims.put(name, value == Remove.NULL ? null : value);
            }
        });
        return HostileJws.es256(tokenHeader("ES256"), HostileJws.json(claims), gatewayKey);
    }

    /** Returns a five-segment JWE compact serialization with a PBES2 iteration count no server should run. */
    private String jwe() {
        String header = HostileJws.json(Map.of("alg", "PBES2-HS256+A128KW", "enc", "A128GCM", "p2c",
                Integer.MAX_VALUE, "p2s", HostileJws.base64Url("salt"), "cty", "JWT"));
        return HostileJws.base64Url(header) + "." + HostileJws.base64Url(new byte[24]) + "."
                + HostileJws.base64Url(new byte[12]) + "." + HostileJws.base64Url("ciphertext") + "."
                + HostileJws.base64Url(new byte[16]);
    }

    private String jsonSerialization(String compact) {
        String[] parts = compact.split("\\.");
        return HostileJws.json(Map.of("payload", parts[1], "signatures", List.of(Map.of("protected", parts[0],
                "signature", parts[2]))));
    }

    private String flattenedSerialization(String compact) {
        String[] parts = compact.split("\\.");
        return HostileJws.json(Map.of("payload", parts[1], "protected", parts[0], "signature", parts[2]));
    }

    /** Replaces base64url's {@code -} and {@code _} by base64's {@code +} and {@code /}, adding one if none. */
    private String notBase64Url(String compact) {
        String replaced = compact.replace('-', '+').replace('_', '/');
        return replaced.equals(compact) ? "+" + compact.substring(1) : replaced;
    }

    private Map<String, Object> proofHeader(String algorithm, ECKey key) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", algorithm);
        header.put("typ", "dpop+jwt");
        header.put("jwk", key.toPublicJWK().toJSONObject());
        return header;
    }

    private Map<String, Object> proofClaimMap(String method, String htu) throws Exception {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("htm", method);
        claims.put("htu", htu);
        claims.put("iat", now());
        claims.put("ath", HostileJws.accessTokenHash(token));
        return claims;
    }

    private String proofClaims(String method, String htu) throws Exception {
        return HostileJws.json(proofClaimMap(method, htu));
    }

    /** Returns a proof for GET on the queues path, signed by the agent's key, with header and claim changes. */
    private String proof(Map<String, Object> headerChanges, Map<String, Object> claimChanges) throws Exception {
        Map<String, Object> header = proofHeader("ES256", agentKey);
        header.putAll(headerChanges);
        Map<String, Object> claims = proofClaimMap("GET", origin + QUEUES);
        claimChanges.forEach((name, value) -> {
            if (value == Remove.CLAIM) {
                claims.remove(name);
            } else {
                claims.put(name, value == Remove.NULL ? null : value);
            }
        });
        return HostileJws.es256(HostileJws.json(header), HostileJws.json(claims), agentKey);
    }

    /**
     * Returns a valid proof by the agent's key for GET on the queues path, bound to {@code accessToken}, or without
     * {@code ath} when it is {@code null}.
     */
    private String agentProofFor(String accessToken) throws Exception {
        return agent.proofWithId("GET", QUEUES, accessToken, UUID.randomUUID().toString());
    }

    private static String offCurveProof(HostileCredentialsEndToEndTest f) throws Exception {
        Map<String, Object> header = f.proofHeader("ES256", f.agentKey);
        byte[] x = f.agentKey.getX().decode();
        byte[] y = f.agentKey.getY().decode().clone();
        y[31] ^= 1;
        header.put("jwk", Map.of("kty", "EC", "crv", "P-256", "x", HostileJws.base64Url(x),
                "y", HostileJws.base64Url(y)));
        return HostileJws.es256(HostileJws.json(header), f.proofClaims("GET", f.origin + QUEUES), f.agentKey);
    }

    /** Sends one valid call, whose Txn-Token reaches the backend, and returns that Txn-Token. */
    private static String txnToken(HostileCredentialsEndToEndTest f) throws Exception {
        HttpResponse<String> allowed = f.send(f.withToken(f.token));
        assertThat(allowed.statusCode()).as("call that yields a Txn-Token: %s", allowed.body()).isEqualTo(200);
        List<RecordingBackend.ReceivedRequest> received = f.backend.received();
        return received.get(received.size() - 1).header("Txn-Token");
    }

    /** Sends one valid call and returns the same credentials, proof included, for a second send. */
    private static Call replayedProof(HostileCredentialsEndToEndTest f) throws Exception {
        Call call = f.withToken(f.token);
        HttpResponse<String> first = f.send(call);
        assertThat(first.statusCode()).as("first use of the proof: %s", first.body()).isEqualTo(200);
        return call;
    }

    /** Presents the agent's token with a valid proof by another key, as a thief without the agent's key would. */
    private static Call stolenToken(HostileCredentialsEndToEndTest f) throws Exception {
        AgentClient thief = new AgentClient(f.origin);
        return f.call(List.of(Map.entry("Authorization", "DPoP " + f.token), Map.entry("DPoP",
                thief.proof("GET", QUEUES, f.token))));
    }

    private HttpResponse<String> send(Call call) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(origin + call.path()))
                .timeout(Duration.ofSeconds(20))
                .method(call.method(), HttpRequest.BodyPublishers.noBody());
        call.headers().forEach(header -> request.header(header.getKey(), header.getValue()));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A response read from a plain socket: status, header fields by lower-case name, and body. */
    record RawResponse(int status, Map<String, String> headers, String body) {
    }

    /**
     * Writes {@code request} on a plain socket from another thread and reads the response. The write runs apart
     * because the gateway may respond and close before it has read the whole request.
     */
    private RawResponse sendRaw(String request) throws Exception {
        InetSocketAddress address = gateway.agentAddress();
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(request.getBytes(ISO_8859_1));
                    out.flush();
                } catch (IOException e) {
                    // The gateway closed the connection after its response, before taking the whole request.
                }
            }, "hostile-request-writer");
            writer.start();
            RawResponse response = readResponse(new BufferedInputStream(socket.getInputStream()));
            socket.close();
            writer.join(20_000);
            return response;
        }
    }

    private static RawResponse readResponse(InputStream in) throws IOException {
        String statusLine = readLine(in);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        return new RawResponse(Integer.parseInt(statusLine.split(" ")[1]), headers,
                new String(in.readNBytes(length), UTF_8));
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int next = in.read(); next != '\n'; next = in.read()) {
            if (next < 0) {
                throw new IOException("connection closed after: " + line.toString(ISO_8859_1));
            }
            if (next != '\r') {
                line.write(next);
            }
        }
        return line.toString(ISO_8859_1);
    }
}
