package dev.agentgateway.gateway.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.agentgateway.audit.AuditVerifier;
import dev.agentgateway.audit.VerificationResult;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.gateway.GatewayServer;
import dev.agentgateway.gateway.sample.RecordedRequest;
import dev.agentgateway.gateway.sample.SampleIdentityProvider;
import dev.agentgateway.gateway.sample.SampleOpsTool;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The incident scenario the {@code demo} command runs: one agent, two people, one drain request, a replayed proof
 * and the audit trail they leave. Each step prints what happens and checks that the gateway behaved as intended,
 * and the first unexpected result ends the run.
 */
final class DemoScenario implements AutoCloseable {

    static final String AGENT = "agent:incident-assistant";
    static final String ORDINARY_USER = "alice";
    static final String ON_CALL_ENGINEER = "oncall-olivia";
    static final String NODE = "node-7";
    static final String DRAIN_PATH = DemoConfig.ROUTE_PREFIX + "nodes/" + NODE + "/drain";

    private static final String BACKEND_DRAIN_PATH = "/nodes/" + NODE + "/drain";
    private static final List<String> CREDENTIAL_HEADERS = List.of("Authorization", "DPoP", "Cookie");

    private final DemoOutput out;
    private final Path workDirectory;
    private final Clock clock;

    private SampleIdentityProvider idp;
    private SampleOpsTool tool;
    private GatewayServer gateway;
    private GatewayConfig config;
    private ScriptedAgent agent;
    private String actorToken;
    private ToolCall approvedDrain;
    private String approvedTransactionId;

    DemoScenario(PrintWriter writer, boolean verbose, Path workDirectory, Clock clock) {
        this.out = new DemoOutput(writer, verbose);
        this.workDirectory = workDirectory;
        this.clock = clock;
    }

    DemoOutput output() {
        return out;
    }

    /** Starts the identity provider, the sample tool, the gateway and the agent, and prints where they run. */
    void setUp() throws Exception {
        DemoWorkDirectory directory = DemoWorkDirectory.prepare(workDirectory);
        idp = SampleIdentityProvider.create(SampleIdentityProvider.DEFAULT_ISSUER, clock);
        tool = SampleOpsTool.start("127.0.0.1", 0, clock);
        Path configFile = directory.writeConfig(idp, tool.baseUrl());
        config = ConfigLoader.load(configFile);
        gateway = GatewayServer.start(config);
        agent = ScriptedAgent.create(gateway.publicOrigin());
        actorToken = idp.idToken(AGENT).amr("swk").sign();

        out.title("Agent gateway demo");
        out.line("An incident assistant (an AI agent) asks to drain " + NODE + ", first for an ordinary user, then");
        out.line("for the on-call engineer. Everything runs in this process, on 127.0.0.1 only.");
        out.blank();
        out.line("Set-up");
        out.detail("identity provider  " + idp.issuer() + " (in process, signs ES256 ID tokens)");
        out.detail("sample ops tool    " + tool.baseUrl());
        out.detail("gateway            " + gateway.publicOrigin());
        out.detail("configuration      " + configFile);
        out.detail("agent              " + AGENT + ", DPoP key thumbprint " + agent.keyThumbprint());
    }

    /** Step 1: an ordinary user's capability cannot drain a node. */
    void denyOrdinaryUser() throws Exception {
        out.step(1, ORDINARY_USER + " (an ordinary engineer: groups [engineering], password login) asks the agent"
                + " to drain " + NODE + ".");
        String idToken = idp.idToken(ORDINARY_USER)
                .groups("engineering")
                .amr("pwd")
                .mayAct(AGENT)
                .sign();
        Capability capability = exchange(1, ORDINARY_USER, idToken, "ops.read");

        out.detail("POST " + DRAIN_PATH + " with Authorization: DPoP and a fresh proof");
        ToolCall call = agent.call(capability, "POST", DRAIN_PATH);
        printResponse(call);
        expectStatus(1, call, 403);
        JsonNode problem = expectProblem(1, call);
        String missing = problem.path("missing_authority").asText("");
        if (!missing.equals("operator_mode")) {
            throw new StepFailedException(1, "missing_authority is \"" + missing + "\" (expected: operator_mode)");
        }
        expectDrainRequestsAtTool(1, 0);
        expectNodeState(1, "active");
        out.detail("The gateway denied the call before it reached the tool: " + ORDINARY_USER
                + " is not on call.");
        out.detail("The tool received no drain request, and " + NODE + " is still active.");
        out.ok();
    }

    /** Step 2: the on-call engineer's capability drains the node, and the tool receives no agent credentials. */
    void allowOnCallEngineer() throws Exception {
        out.step(2, ON_CALL_ENGINEER + " (on call: groups [oncall, sre], password and hardware key login) asks"
                + " the same.");
        String idToken = idp.idToken(ON_CALL_ENGINEER)
                .groups("oncall", "sre")
                .amr("pwd", "hwk")
                .acr("phrh")
                .authTime(clock.instant().minus(Duration.ofMinutes(3)))
                .mayAct(AGENT)
                .sign();
        Capability capability = exchange(2, ON_CALL_ENGINEER, idToken, "ops.read ops.write");

        out.detail("POST " + DRAIN_PATH + " with Authorization: DPoP, a fresh proof and a session Cookie");
        ToolCall call = agent.call(capability, "POST", DRAIN_PATH, null, Map.of("Cookie", "agent-session=demo"));
        printResponse(call);
        expectStatus(2, call, 200);
        expectNodeState(2, "drained");
        approvedDrain = call;

        RecordedRequest received = expectDrainRequestsAtTool(2, 1);
        out.detail("What the tool received: " + received.method() + " " + received.path());
        out.detail("  header names: " + String.join(", ", received.headerNames()));
        for (String header : CREDENTIAL_HEADERS) {
            if (received.hasHeader(header)) {
                throw new StepFailedException(2, "the tool received a " + header + " header (expected: the gateway"
                        + " removes it)");
            }
        }
        out.detail("  Authorization, DPoP, Cookie: absent (the gateway removed the agent's credentials)");
        checkTxnToken(received);
        out.ok();
    }

    /** Step 3: the same request sent again is rejected because its proof was already used. */
    void rejectReplayedProof() throws Exception {
        out.step(3, "The agent sends step 2's request again with the same proof, as an attacker who copied it"
                + " would.");
        out.detail("POST " + DRAIN_PATH + " reusing proof jti " + approvedDrain.proofId());
        ToolCall replay = agent.replay(approvedDrain);
        printResponse(replay);
        expectStatus(3, replay, 401);
        String challenge = replay.header("WWW-Authenticate").orElse("");
        out.detail("WWW-Authenticate: " + challenge);
        if (!challenge.startsWith("DPoP") || !challenge.contains("error=\"invalid_dpop_proof\"")) {
            throw new StepFailedException(3, "WWW-Authenticate is \"" + challenge
                    + "\" (expected: a DPoP challenge with error=\"invalid_dpop_proof\")");
        }
        expectDrainRequestsAtTool(3, 1);
        out.detail("The gateway had already accepted a proof with this jti, so it rejected the call.");
        out.detail("The tool received no second drain request.");
        out.ok();
    }

    /** Step 4: prints the audit trail, verifies its hash chain and links the Txn-Token to its record. */
    void verifyAuditTrail() throws Exception {
        Path auditDirectory = config.audit().directory();
        out.step(4, "The audit trail: the gateway wrote each record before it responded.");
        out.detail("directory " + auditDirectory);
        List<AuditTrail.Entry> entries = AuditTrail.read(auditDirectory);
        out.table(AuditTrail.format(entries));

        VerificationResult result = AuditVerifier.verify(auditDirectory);
        if (!result.valid()) {
            throw new StepFailedException(4, "audit verify reported record " + result.firstBadSequence() + " ("
                    + result.file() + " line " + result.firstBadLine() + "): " + result.problem());
        }
        out.detail("audit verify: the hash chain is intact (" + result.recordsVerified() + " records verified).");
        AuditTrail.Entry approved = entries.stream()
                .filter(entry -> approvedTransactionId.equals(entry.id()))
                .findFirst()
                .orElseThrow(() -> new StepFailedException(4, "no audit record has id " + approvedTransactionId
                        + " (expected: the Txn-Token's txn names the decision record of step 2)"));
        if (!"allow".equals(approved.decision())) {
            throw new StepFailedException(4, "record " + approved.sequence() + " has decision \""
                    + approved.decision() + "\" (expected: allow)");
        }
        out.detail("The Txn-Token's txn names record " + approved.sequence() + ": " + approved.decision()
                + " by rule " + approved.rule() + ".");
        out.detail("Check it yourself, or change one byte in a record and check again:");
        out.detail("  ./agent-gateway audit verify " + auditDirectory);
        out.ok();
    }

    /** Stops the gateway and the tool; safe to call after a failed set-up. */
    @Override
    public void close() {
        if (gateway != null) {
            gateway.close();
        }
        if (tool != null) {
            tool.close();
        }
    }

    private Capability exchange(int step, String person, String subjectToken, String scope) throws Exception {
        out.detail("Token exchange: " + person + "'s ID token + the agent's ID token, tool \"" + DemoConfig.TOOL
                + "\", scope \"" + scope + "\"");
        TokenExchangeOutcome outcome = agent.exchange(subjectToken, actorToken, DemoConfig.TOOL, scope);
        if (!outcome.succeeded()) {
            throw new StepFailedException(step, "the token endpoint returned " + outcome.status() + " "
                    + outcome.error() + ": " + outcome.errorDescription() + " (expected: 200 with a capability)");
        }
        Capability capability = outcome.capability();
        out.detail("  200: capability jti " + capability.tokenId() + ", scope \"" + capability.scope()
                + "\", expires in " + capability.expiresInSeconds() + " s");
        return capability;
    }

    private void printResponse(ToolCall call) throws IOException {
        out.detail("  " + call.status() + " " + call.mediaType());
        if (call.mediaType().equals("application/problem+json")) {
            JsonNode problem = call.json();
            for (String member : List.of("title", "detail", "missing_authority")) {
                if (problem.hasNonNull(member)) {
                    out.detail("    " + member + ": " + problem.get(member).asText());
                }
            }
        } else if (call.mediaType().equals("application/json")) {
            out.detail("    " + call.body().strip());
        }
        out.verbose("    response body: " + call.body().strip());
    }

    private void checkTxnToken(RecordedRequest received) throws Exception {
        String txnToken = received.firstHeader("Txn-Token").orElseThrow(() -> new StepFailedException(2,
                "the tool received no Txn-Token header (expected: the gateway adds one)"));
        RouteConfig route = config.routeForTool(DemoConfig.TOOL).orElseThrow();
        JWTClaimsSet claims;
        try {
            claims = TxnTokenCheck.verify(txnToken, fetchGatewayJwks(), route.backendAudience());
        } catch (TxnTokenCheck.TxnTokenException e) {
            throw new StepFailedException(2, e.getMessage());
        }
        if (!ON_CALL_ENGINEER.equals(claims.getSubject())) {
            throw new StepFailedException(2, "the Txn-Token's sub is \"" + claims.getSubject() + "\" (expected: "
                    + ON_CALL_ENGINEER + ")");
        }
        approvedTransactionId = claims.getStringClaim("txn");
        out.detail("  Txn-Token: present, signature valid against the gateway's JWK set");
        out.detail("    sub " + claims.getSubject() + ", aud " + route.backendAudience() + ", txn "
                + approvedTransactionId);
    }

    private String fetchGatewayJwks() throws IOException, InterruptedException {
        URI jwksUri = URI.create(gateway.publicOrigin() + "/.well-known/jwks.json");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var response = client.send(HttpRequest.newBuilder(jwksUri).timeout(Duration.ofSeconds(10)).build(),
                BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + jwksUri + " returned " + response.statusCode() + " (expected: 200)");
        }
        return response.body();
    }

    private static void expectStatus(int step, ToolCall call, int expected) throws StepFailedException {
        if (call.status() != expected) {
            throw new StepFailedException(step, call.method() + " " + call.path() + " returned " + call.status()
                    + " (expected: " + expected + "); body: " + abbreviate(call.body()));
        }
    }

    private static JsonNode expectProblem(int step, ToolCall call) throws StepFailedException {
        if (!call.mediaType().equals("application/problem+json")) {
            throw new StepFailedException(step, "Content-Type is \"" + call.mediaType()
                    + "\" (expected: application/problem+json)");
        }
        try {
            return call.json();
        } catch (IOException e) {
            throw new StepFailedException(step, "the problem document is not JSON: " + abbreviate(call.body()));
        }
    }

    private RecordedRequest expectDrainRequestsAtTool(int step, int expected) throws StepFailedException {
        List<RecordedRequest> drains = tool.receivedRequests().stream()
                .filter(request -> request.path().equals(BACKEND_DRAIN_PATH))
                .toList();
        if (drains.size() != expected) {
            throw new StepFailedException(step, "the tool received " + drains.size() + " drain requests (expected: "
                    + expected + ")");
        }
        return drains.isEmpty() ? null : drains.get(drains.size() - 1);
    }

    private void expectNodeState(int step, String expected) throws StepFailedException {
        String state = tool.nodeState(NODE).orElse("unknown");
        if (!state.equals(expected)) {
            throw new StepFailedException(step, NODE + " is " + state + " (expected: " + expected + ")");
        }
    }

    private static String abbreviate(String text) {
        String stripped = text.strip();
        return stripped.length() <= 300 ? stripped : stripped.substring(0, 300) + "...";
    }

    /** A step's result differed from what the gateway should have done. */
    static final class StepFailedException extends Exception {

        private static final long serialVersionUID = 1L;

        private final int step;

        StepFailedException(int step, String message) {
            super(message);
            this.step = step;
        }

        int step() {
            return step;
        }
    }
}
