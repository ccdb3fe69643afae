package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.OPS_QUEUES;
import static dev.agentgateway.token.Fixture.TOKEN_ENDPOINT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentgateway.config.DPoPNonceMode;
import dev.agentgateway.config.NonceConfig;
import dev.agentgateway.config.ReplayCacheConfig;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.token.internal.ManualClock;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DPoP server nonces (RFC 9449 §8 and §9) at a route and at the token endpoint, with a clock that starts on a slot
 * boundary and moves in whole slots.
 */
class DPoPNonceTest {

    static final Duration LIFETIME = Duration.ofSeconds(10);
    static final String SECRET = "first-nonce-secret-0123456789abcdef";
    static final String OTHER_SECRET = "second-nonce-secret-0123456789abcdef";

    @TempDir
    Path directory;

    ManualClock clock;
    Fixture fixture;

    /**
     * Builds a fixture whose route {@code ops} and token endpoint use {@code mode}. The clock starts on the slot
     * boundary at or before the system time, because oauth2-oidc-sdk also checks a proof's {@code iat} against the
     * system clock; proofs keep {@link Fixture#now} as their {@code iat} while the clock moves up to a few slots.
     */
    Fixture fixture(DPoPNonceMode mode, String... secrets) throws Exception {
        long slotMillis = LIFETIME.toMillis();
        clock = new ManualClock(Instant.ofEpochMilli(Math.floorDiv(System.currentTimeMillis(), slotMillis)
                * slotMillis));
        fixture = new Fixture(directory, tokens(mode, secrets), mode, clock);
        return fixture;
    }

    static TokenConfig tokens(DPoPNonceMode mode, String... secrets) {
        TokenConfig defaults = TokenConfig.defaults();
        return new TokenConfig(defaults.capabilityLifetime(), defaults.proofMaxAge(), defaults.clockSkew(),
                defaults.txnTokenLifetime(), new NonceConfig(mode, LIFETIME, List.of(secrets)),
                ReplayCacheConfig.defaults(), TokenConfig.DEFAULT_VERIFIED_TOKEN_CACHE_SIZE);
    }

    /** Issues a capability token with a proof that carries the token endpoint's current nonce. */
    String capabilityToken() throws Exception {
        String nonce = fixture.services.tokenExchange().dpopNonce().orElse(null);
        return Fixture.accessToken(exchange(fixture.services, nonce));
    }

    TokenExchangeResult exchange(TokenServices services, String nonce) throws OAuthException {
        String proof = Fixture.proof(fixture.proofKey, "POST", TOKEN_ENDPOINT.toString(), fixture.now, null, nonce);
        return services.tokenExchange().exchange(new TokenExchangeRequest("POST", TOKEN_ENDPOINT, fixture.form(),
                List.of(proof)));
    }

    VerifiedCall call(TokenServices services, String token, String nonce) throws OAuthException {
        String proof = Fixture.proof(fixture.proofKey, "GET", OPS_QUEUES.toString(), fixture.now, token, nonce);
        return services.authenticator().authenticate("GET", OPS_QUEUES, "ops", List.of("DPoP " + token),
                List.of(proof)).orElseThrow();
    }

    VerifiedCall call(String token, String nonce) throws OAuthException {
        return call(fixture.services, token, nonce);
    }

    /** Asserts a {@code use_dpop_nonce} rejection whose nonce is fresh, and returns that nonce. */
    static String assertNonceRequested(ThrowingCall call, String described) {
        OAuthException error = catchOAuth(call);
        assertThat(error.code()).as(error.getMessage()).isEqualTo(OAuthErrorCode.USE_DPOP_NONCE);
        assertThat(error.description()).contains(described);
        assertThat(error.dpopNonce()).as("DPoP-Nonce of the rejection").isPresent();
        return error.dpopNonce().orElseThrow();
    }

    static OAuthException catchOAuth(ThrowingCall call) {
        try {
            call.run();
        } catch (OAuthException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected an OAuthException", e);
        }
        throw new AssertionError("expected an OAuthException, but the call succeeded");
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    // Route with nonces required.

    @Test
    void requiredNonceMissingAtResource() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();

        String nonce = assertNonceRequested(() -> call(token, null), "DPoP proof nonce is missing");

        assertThat(OAuthErrorCode.USE_DPOP_NONCE.resourceStatus()).isEqualTo(401);
        VerifiedCall retried = call(token, nonce);
        assertThat(retried.tool()).isEqualTo("ops");
        assertThat(retried.dpopNonce()).as("no new nonce while the proof's is current").isEmpty();
    }

    @Test
    void previousSlotAcceptedWithNewNonce() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();
        String nonce = fixture.authenticator().dpopNonce("ops").orElseThrow();

        clock.advance(LIFETIME);
        VerifiedCall call = call(token, nonce);

        assertThat(call.dpopNonce()).isPresent();
        assertThat(call.dpopNonce().orElseThrow()).isNotEqualTo(nonce);
        assertThat(call(token, call.dpopNonce().orElseThrow()).dpopNonce()).isEmpty();
    }

    @Test
    void lastMomentOfPreviousSlotAccepted() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();
        String nonce = fixture.authenticator().dpopNonce("ops").orElseThrow();

        clock.advance(LIFETIME.multipliedBy(2).minusMillis(1));

        assertThat(call(token, nonce).dpopNonce()).isPresent();
    }

    @Test
    void twoSlotsOldRejected() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();
        String nonce = fixture.authenticator().dpopNonce("ops").orElseThrow();

        clock.advance(LIFETIME.multipliedBy(2));
        String fresh = assertNonceRequested(() -> call(token, nonce), "DPoP proof nonce has expired");

        assertThat(fresh).isNotEqualTo(nonce);
        assertThat(call(token, fresh).dpopNonce()).isEmpty();
    }

    @Test
    void futureSlotRejected() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();
        clock.advance(LIFETIME.multipliedBy(2));
        String ahead = fixture.authenticator().dpopNonce("ops").orElseThrow();

        clock.advance(LIFETIME.multipliedBy(-2));

        assertNonceRequested(() -> call(token, ahead), "DPoP proof nonce has expired");
    }

    @Test
    void forgedMacRejected() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();
        String nonce = fixture.authenticator().dpopNonce("ops").orElseThrow();
        char last = nonce.charAt(nonce.length() - 1);
        String forged = nonce.substring(0, nonce.length() - 1) + (last == 'A' ? 'B' : 'A');

        assertNonceRequested(() -> call(token, forged), "DPoP proof nonce was not issued by this gateway");
    }

    @Test
    void otherSecretRejected() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();
        TokenServices stranger = fixture.services(tokens(DPoPNonceMode.REQUIRED, OTHER_SECRET),
                DPoPNonceMode.REQUIRED);
        String strangerNonce = stranger.authenticator().dpopNonce("ops").orElseThrow();

        assertNonceRequested(() -> call(token, strangerNonce), "DPoP proof nonce was not issued by this gateway");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+/", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.A",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not a nonce at all, just words"})
    void malformedNonceRejected(String nonce) throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();

        assertNonceRequested(() -> call(token, nonce), "DPoP proof nonce was not issued by this gateway");
    }

    @Test
    void hugeNonceRejectedAsInvalidProof() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();

        OAuthException error = catchOAuth(() -> call(token, "A".repeat(600)));

        assertThat(error.code()).isEqualTo(OAuthErrorCode.INVALID_DPOP_PROOF);
        assertThat(error.dpopNonce()).isPresent();
    }

    @Test
    void badSignatureReportedBeforeNonce() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();
        String proof = Fixture.proof(fixture.proofKey, "GET", OPS_QUEUES.toString(), fixture.now, token, null);
        String otherSignature = Fixture.proof(fixture.proofKey, "GET", OPS_QUEUES.toString(), fixture.now, token,
                null).split("\\.")[2];
        String forged = proof.substring(0, proof.lastIndexOf('.') + 1) + otherSignature;

        OAuthException error = catchOAuth(() -> fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops",
                List.of("DPoP " + token), List.of(forged)));

        assertThat(error.code()).isEqualTo(OAuthErrorCode.INVALID_DPOP_PROOF);
        assertThat(error.description()).contains("signature is invalid");
        assertThat(error.dpopNonce()).isPresent();
    }

    @Test
    void htuMismatchReportedBeforeNonce() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();
        String nonce = fixture.authenticator().dpopNonce("ops").orElseThrow();
        clock.advance(LIFETIME.multipliedBy(3));
        String proof = Fixture.proof(fixture.proofKey, "GET", Fixture.ORIGIN + "/tools/ops/nonce", fixture.now,
                token, nonce);

        OAuthException error = catchOAuth(() -> fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops",
                List.of("DPoP " + token), List.of(proof)));

        assertThat(error.code()).isEqualTo(OAuthErrorCode.INVALID_DPOP_PROOF);
        assertThat(error.description()).contains("htu does not match");
    }

    @Test
    void everyRouteErrorCarriesNonce() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();
        String proof = fixture.resourceProof("GET", OPS_QUEUES, token);
        Map<OAuthErrorCode, ThrowingCall> failures = Map.of(
                OAuthErrorCode.INVALID_TOKEN, () -> fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops",
                        List.of("Bearer " + token), List.of(proof)),
                OAuthErrorCode.INVALID_REQUEST, () -> fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops",
                        List.of("DPoP " + token), List.of(proof, proof)),
                OAuthErrorCode.INVALID_DPOP_PROOF, () -> fixture.authenticator().authenticate("GET", OPS_QUEUES,
                        "ops", List.of("DPoP " + token), List.of()));

        failures.forEach((code, failure) -> {
            OAuthException error = catchOAuth(failure);
            assertThat(error.code()).as(error.getMessage()).isEqualTo(code);
            assertThat(error.dpopNonce()).as("nonce with %s", code).isPresent();
        });
    }

    @Test
    void routeWithoutNoncesUnaffected() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        URI files = URI.create(Fixture.ORIGIN + "/tools/files/list");
        String token = Fixture.accessToken(fixture.exchange().exchange(new TokenExchangeRequest("POST",
                TOKEN_ENDPOINT, withAudience("files"), List.of(Fixture.proof(fixture.proofKey, "POST",
                        TOKEN_ENDPOINT.toString(), fixture.now, null, fixture.exchange().dpopNonce().orElseThrow())))));
        String proof = Fixture.proof(fixture.proofKey, "GET", files.toString(), fixture.now, token, null);

        Optional<VerifiedCall> call = fixture.authenticator().authenticate("GET", files, "files",
                List.of("DPoP " + token), List.of(proof));

        assertThat(call.orElseThrow().dpopNonce()).isEmpty();
        assertThat(fixture.authenticator().dpopNonce("files")).isEmpty();
        assertThat(fixture.authenticator().dpopNonce("unknown")).isEmpty();
    }

    private Map<String, List<String>> withAudience(String tool) {
        Map<String, List<String>> form = fixture.form();
        form.put("audience", List.of(tool));
        form.put("scope", List.of("files.read"));
        return form;
    }

    // Offered and off.

    @Test
    void offeredAcceptsMissingNonce() throws Exception {
        fixture(DPoPNonceMode.OFFERED, SECRET);
        String token = capabilityToken();

        VerifiedCall call = call(token, null);

        assertThat(call.dpopNonce()).isPresent();
        assertThat(call(token, call.dpopNonce().orElseThrow()).dpopNonce()).isEmpty();
    }

    @Test
    void offeredRejectsStaleNonce() throws Exception {
        fixture(DPoPNonceMode.OFFERED, SECRET);
        String token = capabilityToken();
        String nonce = fixture.authenticator().dpopNonce("ops").orElseThrow();
        clock.advance(LIFETIME.multipliedBy(2));

        assertNonceRequested(() -> call(token, nonce), "DPoP proof nonce has expired");
        assertNonceRequested(() -> call(token, "forged"), "DPoP proof nonce was not issued by this gateway");
    }

    @Test
    void offIgnoresNonceClaim() throws Exception {
        fixture(DPoPNonceMode.OFF, SECRET);
        String token = capabilityToken();

        assertThat(call(token, "anything the client chose").dpopNonce()).isEmpty();
        assertThat(fixture.authenticator().dpopNonce("ops")).isEmpty();
        assertThat(fixture.exchange().dpopNonce()).isEmpty();
        OAuthException error = catchOAuth(() -> fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops",
                List.of("Bearer " + token), List.of(fixture.resourceProof("GET", OPS_QUEUES, token))));
        assertThat(error.dpopNonce()).isEmpty();
    }

    // Token endpoint.

    @Test
    void requiredNonceMissingAtTokenEndpoint() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);

        String nonce = assertNonceRequested(() -> exchange(fixture.services, null), "DPoP proof nonce is missing");

        assertThat(OAuthErrorCode.USE_DPOP_NONCE.tokenEndpointStatus()).isEqualTo(400);
        TokenExchangeResult result = exchange(fixture.services, nonce);
        assertThat(result.tool()).isEqualTo("ops");
        assertThat(result.dpopNonce()).isNull();
    }

    @Test
    void tokenEndpointPreviousSlotGetsNewNonce() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String nonce = fixture.exchange().dpopNonce().orElseThrow();

        clock.advance(LIFETIME);
        TokenExchangeResult result = exchange(fixture.services, nonce);

        assertThat(result.dpopNonce()).isNotNull().isNotEqualTo(nonce);
        clock.advance(LIFETIME);
        assertNonceRequested(() -> exchange(fixture.services, nonce), "DPoP proof nonce has expired");
    }

    @Test
    void tokenEndpointOfferedIssuesNonce() throws Exception {
        fixture(DPoPNonceMode.OFFERED, SECRET);

        TokenExchangeResult result = exchange(fixture.services, null);

        assertThat(result.dpopNonce()).isNotNull();
        assertThat(exchange(fixture.services, result.dpopNonce()).dpopNonce()).isNull();
    }

    @Test
    void everyTokenEndpointErrorCarriesNonce() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        Map<String, List<String>> noGrantType = fixture.form();
        noGrantType.remove("grant_type");
        String proof = Fixture.proof(fixture.proofKey, "POST", TOKEN_ENDPOINT.toString(), fixture.now, null,
                fixture.exchange().dpopNonce().orElseThrow());

        OAuthException error = catchOAuth(() -> fixture.exchange().exchange(new TokenExchangeRequest("POST",
                TOKEN_ENDPOINT, noGrantType, List.of(proof))));

        assertThat(error.code()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
        assertThat(error.dpopNonce()).isPresent();
    }

    // Replicas and secret rotation.

    @Test
    void replicaWithSameSecretsAcceptsNonce() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        TokenServices replica = fixture.services(tokens(DPoPNonceMode.REQUIRED, SECRET), DPoPNonceMode.REQUIRED);
        String nonce = assertNonceRequested(() -> exchange(fixture.services, null), "missing");

        String token = Fixture.accessToken(exchange(replica, nonce));
        String routeNonce = fixture.authenticator().dpopNonce("ops").orElseThrow();

        assertThat(call(replica, token, routeNonce).tool()).isEqualTo("ops");
    }

    @Test
    void rotatedSecretStillVerifies() throws Exception {
        fixture(DPoPNonceMode.REQUIRED, SECRET);
        String token = capabilityToken();
        TokenServices rotated = fixture.services(tokens(DPoPNonceMode.REQUIRED, OTHER_SECRET, SECRET),
                DPoPNonceMode.REQUIRED);
        String oldNonce = fixture.authenticator().dpopNonce("ops").orElseThrow();
        String newNonce = rotated.authenticator().dpopNonce("ops").orElseThrow();

        assertThat(call(rotated, token, oldNonce).tool()).isEqualTo("ops");
        assertThat(newNonce).isNotEqualTo(oldNonce);
        assertNonceRequested(() -> call(token, newNonce), "DPoP proof nonce was not issued by this gateway");
    }

    @Test
    void randomSecretWhenNoneConfigured() throws Exception {
        fixture(DPoPNonceMode.REQUIRED);
        String token = capabilityToken();

        String nonce = assertNonceRequested(() -> call(token, null), "missing");

        assertThat(call(token, nonce).tool()).isEqualTo("ops");
        TokenServices configured = fixture.services(tokens(DPoPNonceMode.REQUIRED, SECRET), DPoPNonceMode.REQUIRED);
        assertNonceRequested(() -> call(configured, token, nonce), "DPoP proof nonce was not issued by this gateway");
    }
}
