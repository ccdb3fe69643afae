package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.OPS_QUEUES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import dev.agentgateway.config.NonceConfig;
import dev.agentgateway.config.ReplayCacheConfig;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.token.internal.LogCapture;
import dev.agentgateway.token.internal.RedisReplayCache;
import dev.agentgateway.token.internal.RedisServerExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Token services of one or two replicas sharing a real Redis replay cache on loopback. */
class RedisReplayCacheServicesTest {

    @RegisterExtension
    final RedisServerExtension redis = new RedisServerExtension();

    @TempDir
    Path directory;

    Fixture fixture;
    RedisClient inspectorClient;
    StatefulRedisConnection<String, String> inspectorConnection;
    RedisCommands<String, String> inspector;

    @BeforeEach
    void setUp() throws Exception {
        TokenConfig defaults = TokenConfig.defaults();
        TokenConfig tokens = new TokenConfig(defaults.capabilityLifetime(), defaults.proofMaxAge(),
                defaults.clockSkew(), defaults.txnTokenLifetime(), NonceConfig.defaults(),
                new ReplayCacheConfig.Redis(redis.uri(), Duration.ofMillis(500), "gateway-test:dpop:"),
                TokenConfig.DEFAULT_VERIFIED_TOKEN_CACHE_SIZE);
        fixture = new Fixture(directory, tokens);
        inspectorClient = RedisClient.create(redis.uri().toString());
        inspectorConnection = inspectorClient.connect();
        inspector = inspectorConnection.sync();
    }

    @AfterEach
    void tearDown() {
        fixture.services.close();
        inspectorConnection.close();
        inspectorClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    VerifiedCall authenticate(TokenServices replica, String token, String proof) throws OAuthException {
        return replica.authenticator().authenticate("GET", OPS_QUEUES, "ops", List.of("DPoP " + token),
                List.of(proof)).orElseThrow();
    }

    static void assertCode(Throwable error, OAuthErrorCode code) {
        assertThat(error).isInstanceOf(OAuthException.class);
        assertThat(((OAuthException) error).code()).as(error.getMessage()).isEqualTo(code);
    }

    @Test
    void proofAcceptedOnce() throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = fixture.resourceProof("GET", OPS_QUEUES, token);
        fixture.authenticate(token, proof);

        assertThatThrownBy(() -> fixture.authenticate(token, proof))
                .satisfies(e -> assertCode(e, OAuthErrorCode.INVALID_DPOP_PROOF))
                .hasMessage("DPoP proof jti has already been used (proofs are single-use)");
    }

    @Test
    void replayRejectedByOtherReplica() throws Exception {
        try (TokenServices replica = fixture.replica()) {
            String token = fixture.issueCapabilityToken();
            String proof = fixture.resourceProof("GET", OPS_QUEUES, token);
            authenticate(fixture.services, token, proof);

            assertThatThrownBy(() -> authenticate(replica, token, proof))
                    .satisfies(e -> assertCode(e, OAuthErrorCode.INVALID_DPOP_PROOF))
                    .hasMessage("DPoP proof jti has already been used (proofs are single-use)");
        }
    }

    @Test
    void tokenProofReplayRejectedByOtherReplica() throws Exception {
        try (TokenServices replica = fixture.replica()) {
            TokenExchangeRequest request = fixture.request(fixture.form());
            fixture.exchange().exchange(request);

            assertThatThrownBy(() -> replica.tokenExchange().exchange(request))
                    .satisfies(e -> assertCode(e, OAuthErrorCode.INVALID_DPOP_PROOF));
        }
    }

    @Test
    void outageFailsClosedAndRecovers() throws Exception {
        String token = fixture.issueCapabilityToken();
        try (LogCapture log = LogCapture.of(RedisReplayCache.class)) {
            redis.stop();

            for (int i = 0; i < 5; i++) {
                String proof = fixture.resourceProof("GET", OPS_QUEUES, token);
                assertThatThrownBy(() -> fixture.authenticate(token, proof))
                        .satisfies(e -> assertCode(e, OAuthErrorCode.TEMPORARILY_UNAVAILABLE));
            }
            assertThatThrownBy(() -> fixture.exchange().exchange(fixture.request(fixture.form())))
                    .satisfies(e -> assertCode(e, OAuthErrorCode.TEMPORARILY_UNAVAILABLE));
            assertThat(fixture.services.replayCacheAvailable()).isFalse();
            // Whichever thread notices a change of state (a request or the background PING) sets the state first
            // and logs after, so the test waits for the line before it counts.
            awaitLogLine(log, Level.ERROR);
            assertThat(log.messages(Level.ERROR)).singleElement().asString()
                    .contains("redis://127.0.0.1:" + redis.port() + "/0");
            assertThat(log.messages(Level.INFO)).isEmpty();

            redis.start();
            awaitReplayCache(fixture.services);
            awaitLogLine(log, Level.INFO);
            assertThat(log.messages(Level.INFO)).hasSize(1);
            VerifiedCall call = fixture.authenticate(token, fixture.resourceProof("GET", OPS_QUEUES, token));
            assertThat(call.principal().subject()).isEqualTo("alice");
            assertThat(log.messages(Level.ERROR)).hasSize(1);
        }
    }

    @Test
    void unavailableIsServiceUnavailable() {
        assertThat(OAuthErrorCode.TEMPORARILY_UNAVAILABLE.resourceStatus()).isEqualTo(503);
        assertThat(OAuthErrorCode.TEMPORARILY_UNAVAILABLE.tokenEndpointStatus()).isEqualTo(503);
    }

    @Test
    void availableWhileRedisRuns() {
        assertThat(fixture.services.replayCacheAvailable()).isTrue();
    }

    @Test
    void badProofsNeverReachRedis() throws Exception {
        String token = fixture.issueCapabilityToken();
        long keysBefore = inspector.dbsize();
        List<String> badProofs = badProofs(token);

        for (String proof : badProofs) {
            assertThatThrownBy(() -> fixture.authenticate(token, proof))
                    .satisfies(e -> assertCode(e, OAuthErrorCode.INVALID_DPOP_PROOF));
        }
        assertThat(inspector.dbsize()).isEqualTo(keysBefore);

        redis.stop();
        for (String proof : badProofs) {
            assertThatThrownBy(() -> fixture.authenticate(token, proof))
                    .satisfies(e -> assertCode(e, OAuthErrorCode.INVALID_DPOP_PROOF));
        }
    }

    /** Returns an unsigned proof, one with another proof's signature and one signed by a key it does not name. */
    List<String> badProofs(String token) throws Exception {
        String[] good = fixture.resourceProof("GET", OPS_QUEUES, token).split("\\.");
        String unsigned = Fixture.b64("{\"alg\":\"none\",\"typ\":\"dpop+jwt\",\"jwk\":"
                + fixture.proofKey.toPublicJWK().toJSONString() + "}") + "." + good[1] + ".";
        String otherSignature = fixture.resourceProof("GET", OPS_QUEUES, token).split("\\.")[2];
        String forged = good[0] + "." + good[1] + "." + otherSignature;
        ECKey otherKey = Fixture.ecKey(null);
        String wrongKey = Fixture.sign(Fixture.proofHeader(fixture.proofKey, JWSAlgorithm.ES256),
                Fixture.proofClaims("GET", OPS_QUEUES.toString(), fixture.now, token).build(), otherKey);
        return List.of(unsigned, forged, wrongKey);
    }

    /** Polls until {@code log} has a line at {@code level}; fails after 30 s. */
    static void awaitLogLine(LogCapture log, Level level) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (log.messages(level).isEmpty()) {
            assertThat(System.nanoTime()).as("no %s line after 30 s", level).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Polls until the replay cache responds again; fails after 30 s. Only waits for the restarted Redis. */
    static void awaitReplayCache(TokenServices services) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!services.replayCacheAvailable()) {
            assertThat(System.nanoTime()).as("replay cache still unavailable after 30 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
