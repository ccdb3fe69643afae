package dev.agentgateway.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.JWKThumbprintConfirmation;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProtectedResourceRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPTokenRequestVerifier;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScriptedAgentTest {

    private static final String SUBJECT_TOKEN = "subject.token.value";
    private static final String ACTOR_TOKEN = "actor.token.value";

    private FakeGateway gateway;
    private ScriptedAgent agent;
    private String accessToken;

    @BeforeEach
    void start() throws Exception {
        gateway = new FakeGateway();
        agent = ScriptedAgent.create(gateway.origin());
        accessToken = signedToken("capability-1");
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void exchangeSendsTokenExchangeForm() throws Exception {
        gateway.respond(200, "application/json", tokenResponse("DPoP"));

        agent.exchange(SUBJECT_TOKEN, ACTOR_TOKEN, "ops", "ops.read ops.write");

        Received request = gateway.received().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/oauth2/token");
        assertThat(request.header("content-type")).isEqualTo("application/x-www-form-urlencoded");
        assertThat(request.form()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
                "subject_token", SUBJECT_TOKEN,
                "subject_token_type", "urn:ietf:params:oauth:token-type:id_token",
                "actor_token", ACTOR_TOKEN,
                "actor_token_type", "urn:ietf:params:oauth:token-type:id_token",
                "audience", "ops",
                "scope", "ops.read ops.write"));
        assertThat(request.headers()).doesNotContainKey("authorization");
    }

    @Test
    void exchangeProofVerifies() throws Exception {
        gateway.respond(200, "application/json", tokenResponse("DPoP"));

        agent.exchange(SUBJECT_TOKEN, ACTOR_TOKEN, "ops", "ops.read");

        SignedJWT proof = SignedJWT.parse(gateway.received().get(0).header("dpop"));
        DPoPTokenRequestVerifier verifier = new DPoPTokenRequestVerifier(Set.of(JWSAlgorithm.ES256),
                URI.create(gateway.origin() + "/oauth2/token"), 60, null);
        JWKThumbprintConfirmation binding = verifier.verify(new DPoPIssuer("agent"), proof);
        assertThat(binding.getValue().toString()).isEqualTo(agent.keyThumbprint());
        assertThat(proof.getJWTClaimsSet().getClaim("ath")).isNull();
    }

    @Test
    void exchangeReturnsCapability() throws Exception {
        gateway.respond(200, "application/json", tokenResponse("DPoP"));

        TokenExchangeOutcome outcome = agent.exchange(SUBJECT_TOKEN, ACTOR_TOKEN, "ops", "ops.read");

        assertThat(outcome.succeeded()).isTrue();
        assertThat(outcome.status()).isEqualTo(200);
        Capability capability = outcome.capability();
        assertThat(capability.tokenId()).isEqualTo("capability-1");
        assertThat(capability.scope()).isEqualTo("ops.read");
        assertThat(capability.tool()).isEqualTo("ops");
        assertThat(capability.expiresInSeconds()).isEqualTo(300);
        assertThat(capability.toString()).doesNotContain(accessToken);
        assertThat(outcome.toString()).doesNotContain(accessToken);
    }

    @Test
    void exchangeReportsOAuthError() throws Exception {
        gateway.respond(400, "application/json",
                "{\"error\":\"invalid_scope\",\"error_description\":\"scope \\\"ops.write\\\" not grantable\"}");

        TokenExchangeOutcome outcome = agent.exchange(SUBJECT_TOKEN, ACTOR_TOKEN, "ops", "ops.write");

        assertThat(outcome.succeeded()).isFalse();
        assertThat(outcome.status()).isEqualTo(400);
        assertThat(outcome.error()).isEqualTo("invalid_scope");
        assertThat(outcome.errorDescription()).isEqualTo("scope \"ops.write\" not grantable");
    }

    @Test
    void exchangeRejectsBearerToken() {
        gateway.respond(200, "application/json", tokenResponse("Bearer"));

        assertThatThrownBy(() -> agent.exchange(SUBJECT_TOKEN, ACTOR_TOKEN, "ops", "ops.read"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("\"Bearer\"")
                .hasMessageNotContaining(accessToken);
    }

    @Test
    void exchangeRetriesWithNonce() throws Exception {
        gateway.respond(400, "application/json", "{\"error\":\"use_dpop_nonce\"}", Map.of("DPoP-Nonce", "n-1"));
        gateway.respond(200, "application/json", tokenResponse("DPoP"));

        TokenExchangeOutcome outcome = agent.exchange(SUBJECT_TOKEN, ACTOR_TOKEN, "ops", "ops.read");

        assertThat(outcome.succeeded()).isTrue();
        assertThat(gateway.received()).hasSize(2);
        SignedJWT retried = SignedJWT.parse(gateway.received().get(1).header("dpop"));
        assertThat(retried.getJWTClaimsSet().getStringClaim("nonce")).isEqualTo("n-1");
    }

    @Test
    void callSendsBoundProof() throws Exception {
        gateway.respond(200, "application/json", "{\"status\":\"ok\"}");
        Capability capability = new Capability(accessToken, "ops", "ops.read", "capability-1", 300);

        ToolCall call = agent.call(capability, "GET", "/tools/ops/queues?limit=2");

        Received request = gateway.received().get(0);
        assertThat(request.path()).isEqualTo("/tools/ops/queues");
        assertThat(request.query()).isEqualTo("limit=2");
        assertThat(request.header("authorization")).isEqualTo("DPoP " + accessToken);
        SignedJWT proof = SignedJWT.parse(request.header("dpop"));
        DPoPProtectedResourceRequestVerifier verifier = new DPoPProtectedResourceRequestVerifier(
                Set.of(JWSAlgorithm.ES256), 60, null);
        verifier.verify("GET", URI.create(gateway.origin() + "/tools/ops/queues"), new DPoPIssuer("agent"), proof,
                new DPoPAccessToken(accessToken),
                new JWKThumbprintConfirmation(new Base64URL(agent.keyThumbprint())));
        assertThat(call.proofId()).isEqualTo(proof.getJWTClaimsSet().getJWTID());
        assertThat(call.status()).isEqualTo(200);
        assertThat(call.json().path("status").asText()).isEqualTo("ok");
        assertThat(call.toString()).doesNotContain(accessToken);
    }

    @Test
    void callSendsBodyAndExtraHeaders() throws Exception {
        gateway.respond(200, "application/json", "{}");
        Capability capability = new Capability(accessToken, "ops", "ops.write", "capability-1", 300);

        agent.call(capability, "POST", "/tools/ops/failover", "{\"region\":\"eu-west-1\"}",
                Map.of("Cookie", "session=1"));

        Received request = gateway.received().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.body()).isEqualTo("{\"region\":\"eu-west-1\"}");
        assertThat(request.header("content-type")).isEqualTo("application/json");
        assertThat(request.header("cookie")).isEqualTo("session=1");
    }

    @Test
    void callsUseFreshProofs() throws Exception {
        gateway.respond(200, "application/json", "{}");
        gateway.respond(200, "application/json", "{}");
        Capability capability = new Capability(accessToken, "ops", "ops.read", "capability-1", 300);

        ToolCall first = agent.call(capability, "GET", "/tools/ops/queues");
        ToolCall second = agent.call(capability, "GET", "/tools/ops/queues");

        assertThat(first.proofId()).isNotEqualTo(second.proofId());
        assertThat(gateway.received().get(0).header("dpop")).isNotEqualTo(gateway.received().get(1).header("dpop"));
    }

    @Test
    void replaySendsSameProof() throws Exception {
        gateway.respond(200, "application/json", "{}");
        gateway.respond(401, "application/json", "{}");
        Capability capability = new Capability(accessToken, "ops", "ops.write", "capability-1", 300);

        ToolCall original = agent.call(capability, "POST", "/tools/ops/nodes/node-7/drain");
        ToolCall replayed = agent.replay(original);

        Received first = gateway.received().get(0);
        Received second = gateway.received().get(1);
        assertThat(second.header("dpop")).isEqualTo(first.header("dpop"));
        assertThat(second.header("authorization")).isEqualTo(first.header("authorization"));
        assertThat(second.path()).isEqualTo(first.path());
        assertThat(replayed.proofId()).isEqualTo(original.proofId());
        assertThat(replayed.status()).isEqualTo(401);
    }

    @Test
    void callRetriesWithNonce() throws Exception {
        gateway.respond(401, "application/json", "{}", Map.of("DPoP-Nonce", "n-2",
                "WWW-Authenticate", "DPoP error=\"use_dpop_nonce\", algs=\"ES256\""));
        gateway.respond(200, "application/json", "{}");
        Capability capability = new Capability(accessToken, "ops", "ops.read", "capability-1", 300);

        ToolCall call = agent.call(capability, "GET", "/tools/ops/queues");

        assertThat(call.status()).isEqualTo(200);
        SignedJWT retried = SignedJWT.parse(gateway.received().get(1).header("dpop"));
        assertThat(retried.getJWTClaimsSet().getStringClaim("nonce")).isEqualTo("n-2");
        DPoPProtectedResourceRequestVerifier verifier = new DPoPProtectedResourceRequestVerifier(
                Set.of(JWSAlgorithm.ES256), 60, null);
        verifier.verify("GET", URI.create(gateway.origin() + "/tools/ops/queues"), new DPoPIssuer("agent"), retried,
                new DPoPAccessToken(accessToken),
                new JWKThumbprintConfirmation(new Base64URL(agent.keyThumbprint())), new Nonce("n-2"));
    }

    @Test
    void createRejectsOriginWithPath() {
        assertThatThrownBy(() -> ScriptedAgent.create("http://127.0.0.1:8080/tools"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"http://127.0.0.1:8080/tools\"");
    }

    @Test
    void callRejectsRelativePath() {
        Capability capability = new Capability(accessToken, "ops", "ops.read", "capability-1", 300);

        assertThatThrownBy(() -> agent.call(capability, "GET", "tools/ops/queues"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"tools/ops/queues\"");
    }

    private String tokenResponse(String tokenType) {
        return "{\"access_token\":\"" + accessToken + "\",\"issued_token_type\":"
                + "\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"" + tokenType
                + "\",\"expires_in\":300,\"scope\":\"ops.read\"}";
    }

    private static String signedToken(String jti) throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256),
                new JWTClaimsSet.Builder().jwtID(jti).subject("alice").build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    /** A request the fake gateway received; header names are lower case. */
    private record Received(String method, String path, String query, Map<String, List<String>> headers,
            String body) {

        String header(String name) {
            List<String> values = headers.get(name);
            assertThat(values).as("values of header %s", name).hasSize(1);
            return values.get(0);
        }

        Map<String, String> form() {
            return Arrays.stream(body.split("&"))
                    .map(pair -> pair.split("=", 2))
                    .collect(Collectors.toMap(
                            pair -> URLDecoder.decode(pair[0], StandardCharsets.UTF_8),
                            pair -> URLDecoder.decode(pair[1], StandardCharsets.UTF_8)));
        }
    }

    private record CannedResponse(int status, String contentType, String body, Map<String, String> headers) {
    }

    /** A loopback HTTP server that records requests and sends queued responses in order. */
    private static final class FakeGateway implements AutoCloseable {

        private final HttpServer server;
        private final List<Received> received = new CopyOnWriteArrayList<>();
        private final Deque<CannedResponse> responses = new ArrayDeque<>();

        FakeGateway() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", this::handle);
            server.start();
        }

        String origin() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        void respond(int status, String contentType, String body) {
            respond(status, contentType, body, Map.of());
        }

        synchronized void respond(int status, String contentType, String body, Map<String, String> headers) {
            responses.addLast(new CannedResponse(status, contentType, body, headers));
        }

        List<Received> received() {
            return List.copyOf(received);
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                Map<String, List<String>> headers = exchange.getRequestHeaders().entrySet().stream()
                        .collect(Collectors.toMap(entry -> entry.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue));
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        exchange.getRequestURI().getRawQuery(), headers, body));
                CannedResponse response;
                synchronized (this) {
                    response = responses.pollFirst();
                }
                if (response == null) {
                    response = new CannedResponse(500, "text/plain", "no response queued", Map.of());
                }
                byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", response.contentType());
                response.headers().forEach(exchange.getResponseHeaders()::set);
                exchange.sendResponseHeaders(response.status(), bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
