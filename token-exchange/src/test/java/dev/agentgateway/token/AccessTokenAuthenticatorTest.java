package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.IDP;
import static dev.agentgateway.token.Fixture.OPS_QUEUES;
import static dev.agentgateway.token.Fixture.ORIGIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.agentgateway.policy.Actor;
import dev.agentgateway.policy.Principal;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class AccessTokenAuthenticatorTest {

    @TempDir
    Path directory;

    Fixture fixture;
    ECKey gatewayKey;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new Fixture(directory);
        gatewayKey = JWKSet.parse(Files.readString(fixture.signingKeyFile)).getKeys().get(0).toECKey();
    }

    /** Claims as the token endpoint mints them, for tool {@code ops}, bound to the fixture's proof key. */
    JWTClaimsSet.Builder capabilityClaims() throws Exception {
        return new JWTClaimsSet.Builder()
                .issuer(ORIGIN)
                .subject("alice")
                .audience("ops")
                .issueTime(Date.from(fixture.now))
                .expirationTime(Date.from(fixture.now.plusSeconds(300)))
                .jwtID(UUID.randomUUID().toString())
                .claim("cnf", Map.of("jkt", fixture.proofKey.computeThumbprint().toString()))
                .claim("scope", "ops.read ops.write")
                .claim("subject_issuer", IDP)
                .claim("groups", List.of("oncall"))
                .claim("amr", List.of("hwk"))
                .claim("acr", "phr")
                .claim("auth_time", fixture.now.minusSeconds(60).getEpochSecond())
                .claim("act", Map.of("sub", "agent-7", "iss", Fixture.AGENT_IDP));
    }

    String capability(Consumer<JWTClaimsSet.Builder> change) throws Exception {
        JWTClaimsSet.Builder claims = capabilityClaims();
        change.accept(claims);
        return capability(claims.build());
    }

    String capability(JWTClaimsSet claims) {
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("at+jwt"))
                .keyID(gatewayKey.getKeyID()).build();
        return Fixture.sign(header, claims, gatewayKey);
    }

    Map<String, Object> capabilityHeader() {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "ES256");
        header.put("typ", "at+jwt");
        header.put("kid", gatewayKey.getKeyID());
        return header;
    }

    /** Authenticates {@code token} at GET /tools/ops/queues with a fresh, correct proof. */
    VerifiedCall call(String token) throws OAuthException {
        return fixture.authenticate(token, fixture.resourceProof("GET", OPS_QUEUES, token));
    }

    void assertRejected(String token, OAuthErrorCode code) {
        assertThatThrownBy(() -> call(token))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.code()).as(e.getMessage())
                        .isEqualTo(code));
    }

    void assertRejected(ThrowingCall call, OAuthErrorCode code, String described) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
                    assertThat(e.description()).contains(described);
                });
    }

    void assertDescribed(ThrowingCall call, OAuthErrorCode code, String description) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
                    assertThat(e.description()).isEqualTo(description);
                });
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void verifiedCallCarriesTokenFacts() throws Exception {
        String token = capability(capabilityClaims().build());

        VerifiedCall call = call(token);

        assertThat(call.principal()).isEqualTo(new Principal(IDP, "alice", Set.of("oncall"), "phr", Set.of("hwk"),
                fixture.now.minusSeconds(60)));
        assertThat(call.actor()).isEqualTo(new Actor(Fixture.AGENT_IDP, "agent-7"));
        assertThat(call.scopes()).containsExactlyInAnyOrder("ops.read", "ops.write");
        assertThat(call.keyThumbprint()).isEqualTo(fixture.proofKey.computeThumbprint().toString());
        assertThat(call.expiresAt()).isEqualTo(fixture.now.plusSeconds(300));
    }

    @Test
    void noCredentialsIsAnonymous() throws Exception {
        assertThat(fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops", List.of(), List.of())).isEmpty();
    }

    @Test
    void lowerCaseSchemeAccepted() throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = fixture.resourceProof("GET", OPS_QUEUES, token);

        Optional<VerifiedCall> call = fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops",
                List.of("dpop " + token), List.of(proof));

        assertThat(call).isPresent();
    }

    @Test
    void queryIgnoredForHtu() throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = fixture.resourceProof("GET", OPS_QUEUES, token);

        Optional<VerifiedCall> call = fixture.authenticator().authenticate("GET",
                URI.create(OPS_QUEUES + "?state=stuck"), "ops", List.of("DPoP " + token), List.of(proof));

        assertThat(call).isPresent();
    }

    // Header rules (RFC 9449 §4.3 and §7.1).

    @Test
    void bearerSchemeRejected() throws Exception {
        String token = fixture.issueCapabilityToken();
        for (String scheme : List.of("Bearer", "bearer", "BEARER")) {
            assertRejected(() -> fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops",
                    List.of(scheme + " " + token), List.of(fixture.resourceProof("GET", OPS_QUEUES, token))),
                    OAuthErrorCode.INVALID_TOKEN, "DPoP-bound tokens must use the DPoP authorization scheme");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic YWxpY2U6c2VjcmV0", "DPoP", "DPoP ", "DPoP a b", "DPoP a\"b", "DPoP ab==c",
        "Token abc", ""})
    void malformedAuthorizationRejected(String authorization) {
        assertRejected(() -> fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops", List.of(authorization),
                List.of(fixture.tokenProof())), OAuthErrorCode.INVALID_TOKEN, "");
    }

    @Test
    void bareTokenNotEchoed() throws Exception {
        String token = fixture.issueCapabilityToken();

        assertThatThrownBy(() -> fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops", List.of(token),
                List.of(fixture.resourceProof("GET", OPS_QUEUES, token))))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).isEqualTo(OAuthErrorCode.INVALID_TOKEN);
                    assertThat(e.description()).doesNotContain(token.substring(0, 16));
                });
    }

    @Test
    void twoAuthorizationValuesRejected() throws Exception {
        String token = fixture.issueCapabilityToken();

        assertRejected(() -> fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops",
                List.of("DPoP " + token, "DPoP " + token), List.of(fixture.resourceProof("GET", OPS_QUEUES, token))),
                OAuthErrorCode.INVALID_REQUEST, "2 Authorization");
    }

    @Test
    void twoDpopHeadersRejected() throws Exception {
        String token = fixture.issueCapabilityToken();

        assertRejected(() -> fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops", List.of("DPoP " + token),
                List.of(fixture.resourceProof("GET", OPS_QUEUES, token),
                        fixture.resourceProof("GET", OPS_QUEUES, token))),
                OAuthErrorCode.INVALID_REQUEST, "2 DPoP");
    }

    @Test
    void dpopWithoutAuthorizationRejected() throws Exception {
        String token = fixture.issueCapabilityToken();

        assertRejected(() -> fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops", List.of(),
                List.of(fixture.resourceProof("GET", OPS_QUEUES, token))), OAuthErrorCode.INVALID_REQUEST,
                "without Authorization");
    }

    @Test
    void authorizationWithoutProofRejected() throws Exception {
        String token = fixture.issueCapabilityToken();

        assertRejected(() -> fixture.authenticator().authenticate("GET", OPS_QUEUES, "ops", List.of("DPoP " + token),
                List.of()), OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP proof is missing");
    }

    // Proof checks.

    @Test
    void proofReplayRejected() throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = fixture.resourceProof("GET", OPS_QUEUES, token);
        fixture.authenticate(token, proof);

        assertDescribed(() -> fixture.authenticate(token, proof), OAuthErrorCode.INVALID_DPOP_PROOF,
                "DPoP proof jti has already been used (proofs are single-use)");
    }

    @Test
    void tokenEndpointProofNotReusableAtResource() throws Exception {
        String proof = fixture.tokenProof();
        String token = Fixture.accessToken(fixture.exchange().exchange(new TokenExchangeRequest("POST",
                Fixture.TOKEN_ENDPOINT, fixture.form(), List.of(proof))));

        assertRejected(() -> fixture.authenticate(token, proof), OAuthErrorCode.INVALID_DPOP_PROOF, "");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mismatchedProofs")
    void mismatchedProofRejected(String name, String method, String htu) throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = Fixture.proof(fixture.proofKey, method, htu, fixture.now, token);
        String expected = name.startsWith("htm")
                ? "DPoP proof htm does not match the request method (expected: \"GET\")"
                : "DPoP proof htu does not match the request URL (expected: \"" + OPS_QUEUES + "\")";
        if (name.equals("htu relative")) {
            expected = "DPoP proof rejected: htu \"" + htu + "\" is not an absolute http(s) URI (expected: the "
                    + "request URI)";
        }

        assertDescribed(() -> fixture.authenticate(token, proof), OAuthErrorCode.INVALID_DPOP_PROOF, expected);
    }

    @Test
    void htuMismatchExpectsUrlWithoutQuery() throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = Fixture.proof(fixture.proofKey, "GET", ORIGIN + "/tools/ops/other", fixture.now, token);

        assertDescribed(() -> fixture.authenticate(token, proof, "GET", URI.create(OPS_QUEUES + "?state=stuck")),
                OAuthErrorCode.INVALID_DPOP_PROOF,
                "DPoP proof htu does not match the request URL (expected: \"" + OPS_QUEUES + "\")");
    }

    static Stream<Arguments> mismatchedProofs() {
        return Stream.of(
                arguments("htm POST", "POST", OPS_QUEUES.toString()),
                arguments("htm lower case", "get", OPS_QUEUES.toString()),
                arguments("htu scheme", "GET", "https://127.0.0.1:8080/tools/ops/queues"),
                arguments("htu host", "GET", "http://localhost:8080/tools/ops/queues"),
                arguments("htu port", "GET", "http://127.0.0.1:8081/tools/ops/queues"),
                arguments("htu path", "GET", ORIGIN + "/tools/ops/queue"),
                arguments("htu trailing slash", "GET", ORIGIN + "/tools/ops/queues/"),
                arguments("htu path case", "GET", ORIGIN + "/tools/ops/Queues"),
                arguments("htu encoded slash", "GET", ORIGIN + "/tools/ops%2Fqueues"),
                arguments("htu encoded reserved", "GET", ORIGIN + "/tools/ops/queues%3F"),
                arguments("htu dot segment above", "GET", ORIGIN + "/tools/ops/queues/../queue"),
                arguments("htu user information", "GET", "http://agent@127.0.0.1:8080/tools/ops/queues"),
                arguments("htu default port", "GET", "http://127.0.0.1/tools/ops/queues"),
                arguments("htu https port", "GET", "https://127.0.0.1:443/tools/ops/queues"),
                arguments("htu relative", "GET", "/tools/ops/queues"));
    }

    /** Proof {@code htu} values equal to {@link Fixture#OPS_QUEUES} after RFC 3986 normalization. */
    @ParameterizedTest
    @ValueSource(strings = {
        "http://127.0.0.1:8080/tools/ops/queues?state=stuck",
        "http://127.0.0.1:8080/tools/ops/queues#top",
        "http://127.0.0.1:8080/tools/ops/queues?#",
        "HTTP://127.0.0.1:8080/tools/ops/queues",
        "hTTp://127.0.0.1:8080/tools/ops/./queues",
        "http://127.0.0.1:8080/tools/ops/stuck/../queues",
        "http://127.0.0.1:8080/tools/./ops/x/y/../../queues",
        "http://127.0.0.1:8080/tools/ops/%71ueues",
        "http://127.0.0.1:8080/tools/%6f%70%73/queues",
        "http://127.0.0.1:8080/tools/ops/%2E/queues"})
    void equivalentHtuAccepted(String htu) throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = Fixture.proof(fixture.proofKey, "GET", htu, fixture.now, token);

        assertThat(fixture.authenticate(token, proof).tool()).isEqualTo("ops");
    }

    /** The request URI is normalized too: its default port, case and dot segments do not matter. */
    @ParameterizedTest
    @ValueSource(strings = {"HTTP://127.0.0.1:80/tools/ops/./queues", "http://127.0.0.1/tools/ops/queues",
        "http://127.0.0.1:/tools/ops/queues?x=1"})
    void defaultPortEquivalent(String htu) throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = Fixture.proof(fixture.proofKey, "GET", htu, fixture.now, token);
        URI requestUri = URI.create("http://127.0.0.1:80/tools/ops/queues?state=stuck");

        assertThat(fixture.authenticate(token, proof, "GET", requestUri).tool()).isEqualTo("ops");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8080/tools/ops/qu%zzeues", "http://127.0.0.1:8080/tools/ops/qu\u00e9ues",
        "http://127.0.0.1:99999/tools/ops/queues", "http://[::1/tools/ops/queues", "http:///tools/ops/queues",
        "http://a@b@127.0.0.1:8080/tools/ops/queues", "http://127.0.0.1:8080:8080/tools/ops/queues",
        "http://127.0.0.1:80a/tools/ops/queues", "http://127.0.0.1:8080/tools/ops/queues%",
        "mailto:ops@127.0.0.1", "http:/127.0.0.1:8080/tools/ops/queues"})
    void unparseableHtuRejected(String htu) throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = Fixture.proof(fixture.proofKey, "GET", htu.translateEscapes(), fixture.now, token);

        assertRejected(() -> fixture.authenticate(token, proof), OAuthErrorCode.INVALID_DPOP_PROOF, "htu");
    }

    @Test
    void proofIatWindowEnforced() throws Exception {
        String token = fixture.issueCapabilityToken();
        // Defaults: 60 s max age plus 5 s skew into the past, 5 s skew into the future.
        for (long offset : new long[] {-120, -66, 6, 60}) {
            String proof = Fixture.proof(fixture.proofKey, "GET", OPS_QUEUES.toString(),
                    fixture.now.plusSeconds(offset), token);
            String expected = offset < 0
                    ? "DPoP proof iat is too old (expected: at most 60s plus 5s clock skew in the past)"
                    : "DPoP proof iat is in the future (expected: at most 5s ahead of the gateway's clock)";
            assertDescribed(() -> fixture.authenticate(token, proof), OAuthErrorCode.INVALID_DPOP_PROOF, expected);
        }
        for (long offset : new long[] {-60, -1, 0, 5}) {
            String proof = Fixture.proof(fixture.proofKey, "GET", OPS_QUEUES.toString(),
                    fixture.now.plusSeconds(offset), token);
            assertThat(fixture.authenticate(token, proof)).as("iat offset %d", offset).isNotNull();
        }
    }

    @Test
    void athMissingRejected() throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = Fixture.proof(fixture.proofKey, "GET", OPS_QUEUES.toString(), fixture.now, null);

        assertDescribed(() -> fixture.authenticate(token, proof), OAuthErrorCode.INVALID_DPOP_PROOF,
                "DPoP proof ath is missing (expected: the base64url SHA-256 hash of the access token)");
    }

    @Test
    void athForOtherTokenRejected() throws Exception {
        String token = fixture.issueCapabilityToken();
        String other = fixture.issueCapabilityToken();
        String proof = Fixture.proof(fixture.proofKey, "GET", OPS_QUEUES.toString(), fixture.now, other);

        assertDescribed(() -> fixture.authenticate(token, proof), OAuthErrorCode.INVALID_DPOP_PROOF,
                "DPoP proof ath does not match the access token (expected: the base64url SHA-256 hash of the token"
                        + " sent with it)");
    }

    @Test
    void proofWithBadSignatureRejected() throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = Fixture.proof(fixture.proofKey, "GET", OPS_QUEUES.toString(), fixture.now, token);
        String[] parts = proof.split("\\.");
        String otherSignature = Fixture.proof(fixture.proofKey, "GET", OPS_QUEUES.toString(), fixture.now, token)
                .split("\\.")[2];
        String forged = parts[0] + "." + parts[1] + "." + otherSignature;

        assertDescribed(() -> fixture.authenticate(token, forged), OAuthErrorCode.INVALID_DPOP_PROOF,
                "DPoP proof signature is invalid (expected: a signature by the key in its jwk header)");
    }

    @Test
    void stolenTokenWithOtherKeyRejected() throws Exception {
        String token = fixture.issueCapabilityToken();
        ECKey thief = Fixture.ecKey(null);
        String proof = Fixture.proof(thief, "GET", OPS_QUEUES.toString(), fixture.now, token);

        assertRejected(() -> fixture.authenticate(token, proof), OAuthErrorCode.INVALID_TOKEN, "cnf.jkt");
    }

    @Test
    void proofKeyOffCurveRejected() throws Exception {
        String token = fixture.issueCapabilityToken();
        Map<String, Object> jwk = new LinkedHashMap<>(fixture.proofKey.toPublicJWK().toJSONObject());
        jwk.put("x", Base64URL.encode(BigInteger.ONE.toByteArray()).toString());
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "ES256");
        header.put("typ", "dpop+jwt");
        header.put("jwk", jwk);
        Map<String, Object> claims = HostileTokens.payload(Fixture.proofClaims("GET", OPS_QUEUES.toString(),
                fixture.now, token).build());

        String proof = HostileTokens.signed(header, claims, fixture.proofKey);

        assertRejected(() -> fixture.authenticate(token, proof), OAuthErrorCode.INVALID_DPOP_PROOF, "");
    }

    @Test
    void proofWithHmacRejected() throws Exception {
        String token = fixture.issueCapabilityToken();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "HS256");
        header.put("typ", "dpop+jwt");
        header.put("jwk", fixture.proofKey.toPublicJWK().toJSONObject());
        Map<String, Object> claims = HostileTokens.payload(Fixture.proofClaims("GET", OPS_QUEUES.toString(),
                fixture.now, token).build());

        String proof = HostileTokens.hmac(header, claims,
                fixture.proofKey.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8));

        assertRejected(() -> fixture.authenticate(token, proof), OAuthErrorCode.INVALID_DPOP_PROOF, "");
    }

    // Capability token checks.

    @Test
    void tokenForOtherToolRejected() throws Exception {
        String token = fixture.issueCapabilityToken();
        URI files = URI.create(ORIGIN + "/tools/files/list");

        assertRejected(() -> fixture.authenticator().authenticate("GET", files, "files", List.of("DPoP " + token),
                List.of(fixture.resourceProof("GET", files, token))), OAuthErrorCode.INVALID_TOKEN, "aud");
    }

    @Test
    void expiryWithinSkewAccepted() throws Exception {
        for (long offset : new long[] {0, -4}) {
            String token = capability(claims -> claims
                    .issueTime(Date.from(fixture.now.minusSeconds(100)))
                    .expirationTime(Date.from(fixture.now.plusSeconds(offset))));
            assertThat(call(token).expiresAt()).as("exp offset %d", offset)
                    .isEqualTo(fixture.now.plusSeconds(offset));
        }
    }

    @Test
    void rawSignedTokenAccepted() throws Exception {
        Map<String, Object> payload = HostileTokens.payload(capabilityClaims().build());

        assertThat(call(HostileTokens.signed(capabilityHeader(), payload, gatewayKey)).tokenId())
                .isEqualTo(payload.get("jti"));
    }

    @Test
    void rawSignedProofAccepted() throws Exception {
        String token = fixture.issueCapabilityToken();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "ES256");
        header.put("typ", "dpop+jwt");
        header.put("jwk", fixture.proofKey.toPublicJWK().toJSONObject());
        Map<String, Object> claims = HostileTokens.payload(Fixture.proofClaims("GET", OPS_QUEUES.toString(),
                fixture.now, token).build());

        assertThat(fixture.authenticate(token, HostileTokens.signed(header, claims, fixture.proofKey))).isNotNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgedClaims")
    void forgedClaimsRejected(String name, Consumer<Map<String, Object>> change) throws Exception {
        Map<String, Object> payload = HostileTokens.payload(capabilityClaims().build());
        change.accept(payload);

        assertRejected(HostileTokens.signed(capabilityHeader(), payload, gatewayKey), OAuthErrorCode.INVALID_TOKEN);
    }

    static Stream<Arguments> forgedClaims() {
        long now = Instant.now().getEpochSecond();
        return Stream.of(
                arguments("exp beyond skew", put("exp", now - 5)),
                arguments("exp long past", put("exp", now - 3600)),
                arguments("exp missing", remove("exp")),
                arguments("exp string", put("exp", String.valueOf(now + 60))),
                arguments("exp negative", put("exp", -1)),
                arguments("exp huge", put("exp", 1_000_000_000_000L)),
                arguments("exp max long", put("exp", Long.MAX_VALUE)),
                arguments("exp float huge", put("exp", 1e300)),
                arguments("exp beyond max lifetime", put("exp", now + 3600)),
                arguments("nbf in future", put("nbf", now + 60)),
                arguments("iat in future", put("iat", now + 60)),
                arguments("iat missing", remove("iat")),
                arguments("jti missing", remove("jti")),
                arguments("sub missing", remove("sub")),
                arguments("cnf missing", remove("cnf")),
                arguments("cnf jkt number", put("cnf", Map.of("jkt", 5))),
                arguments("cnf jkt missing", put("cnf", Map.of("x5t#S256", "abc"))),
                arguments("iss other", put("iss", "http://127.0.0.1:8081")),
                arguments("iss missing", remove("iss")),
                arguments("aud other", put("aud", "files")),
                arguments("aud several", put("aud", List.of("ops", "files"))),
                arguments("aud missing", remove("aud")),
                arguments("subject_issuer missing", remove("subject_issuer")),
                arguments("groups string", put("groups", "oncall")),
                arguments("act without iss", put("act", Map.of("sub", "agent-7"))),
                arguments("scope array", put("scope", List.of("ops.read"))),
                arguments("sub LF", put("sub", "alice\nbob")),
                arguments("sub line separator", put("sub", "alice\u2028")),
                arguments("subject_issuer CR", put("subject_issuer", IDP + "\r")),
                arguments("groups NUL", put("groups", List.of("oncall\u0000"))),
                arguments("amr LF", put("amr", List.of("hwk\n"))),
                arguments("acr C1", put("acr", "phr\u0085")),
                arguments("act sub CR", put("act", Map.of("sub", "agent-7\r\nX: y", "iss", Fixture.AGENT_IDP))),
                arguments("scope LF", put("scope", "ops.read\nops.write")));
    }

    private static Consumer<Map<String, Object>> put(String claim, Object value) {
        return payload -> payload.put(claim, value);
    }

    private static Consumer<Map<String, Object>> remove(String claim) {
        return payload -> payload.remove(claim);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "NONE", "None", "nOnE"})
    void unsecuredTokenRejected(String algorithm) throws Exception {
        Map<String, Object> payload = HostileTokens.payload(capabilityClaims().build());

        assertRejected(HostileTokens.unsecured(algorithm, payload, ""), OAuthErrorCode.INVALID_TOKEN);
        assertRejected(HostileTokens.unsecured(algorithm, payload, "AAAA"), OAuthErrorCode.INVALID_TOKEN);
    }

    @Test
    void hmacWithGatewayPublicKeyRejected() throws Exception {
        Map<String, Object> header = capabilityHeader();
        header.put("alg", "HS256");
        Map<String, Object> payload = HostileTokens.payload(capabilityClaims().build());
        List<byte[]> secrets = List.of(
                gatewayKey.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8),
                gatewayKey.toECPublicKey().getEncoded(),
                fixture.services.jwksJson().getBytes(StandardCharsets.UTF_8));

        for (byte[] secret : secrets) {
            assertRejected(HostileTokens.hmac(header, payload, secret), OAuthErrorCode.INVALID_TOKEN);
        }
    }

    @Test
    void embeddedJwkNotUsed() throws Exception {
        ECKey attacker = Fixture.ecKey(gatewayKey.getKeyID());
        Map<String, Object> header = capabilityHeader();
        header.put("jwk", attacker.toPublicJWK().toJSONObject());

        String token = HostileTokens.signed(header, HostileTokens.payload(capabilityClaims().build()), attacker);

        assertRejected(token, OAuthErrorCode.INVALID_TOKEN);
    }

    @Test
    void embeddedCertificateChainNotUsed() throws Exception {
        ECKey attacker = Fixture.ecKey(gatewayKey.getKeyID());
        Map<String, Object> header = capabilityHeader();
        header.put("x5c", List.of(Base64.getEncoder().encodeToString(
                attacker.toECPublicKey().getEncoded())));

        String token = HostileTokens.signed(header, HostileTokens.payload(capabilityClaims().build()), attacker);

        assertRejected(token, OAuthErrorCode.INVALID_TOKEN);
    }

    @Test
    void headerKeyUrlsNeverFetched() throws Exception {
        ECKey attacker = Fixture.ecKey(gatewayKey.getKeyID());
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String url = "http://127.0.0.1:" + server.getLocalPort() + "/keys";
            for (String parameter : List.of("jku", "x5u")) {
                Map<String, Object> header = capabilityHeader();
                header.put(parameter, url);
                String token = HostileTokens.signed(header, HostileTokens.payload(capabilityClaims().build()),
                        attacker);
                assertRejected(token, OAuthErrorCode.INVALID_TOKEN);
            }
            server.setSoTimeout(200);
            assertThatThrownBy(server::accept).as("connection to the header's URL")
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void otherSignerRejected() throws Exception {
        ECKey other = Fixture.ecKey(gatewayKey.getKeyID());

        assertRejected(HostileTokens.signed(capabilityHeader(), HostileTokens.payload(capabilityClaims().build()),
                other), OAuthErrorCode.INVALID_TOKEN);
    }

    @Test
    void degenerateSignaturesRejected() throws Exception {
        String token = capability(capabilityClaims().build());

        assertRejected(HostileTokens.withSignature(token, BigInteger.ZERO), OAuthErrorCode.INVALID_TOKEN);
        assertRejected(HostileTokens.withSignature(token, HostileTokens.P256_ORDER), OAuthErrorCode.INVALID_TOKEN);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedTokens")
    void malformedTokenRejected(String name, TokenChange change) throws Exception {
        String token = capability(capabilityClaims().build());

        assertRejected(change.apply(token), OAuthErrorCode.INVALID_TOKEN);
    }

    interface TokenChange {
        String apply(String token);
    }

    static Stream<Arguments> malformedTokens() {
        return Stream.of(
                arguments("nested header", (TokenChange) token -> HostileTokens.nestedHeader(token, 2000)),
                arguments("multi-megabyte", (TokenChange) token -> HostileTokens.huge(token, 4)),
                arguments("just over size limit", (TokenChange) token -> HostileTokens.huge(token, 0)
                        + "A".repeat(8 * 1024)),
                arguments("JWE compact", (TokenChange) token -> HostileTokens.jwe()),
                arguments("JSON serialization", (TokenChange) HostileTokens::jsonSerialization),
                arguments("one segment", (TokenChange) token -> token.substring(0, token.indexOf('.'))),
                arguments("two segments", (TokenChange) token -> token.substring(0, token.lastIndexOf('.'))),
                arguments("empty signature", (TokenChange) token -> token.substring(0, token.lastIndexOf('.') + 1)),
                arguments("four segments", (TokenChange) token -> token + ".AAAA"),
                arguments("plus sign", (TokenChange) token -> token + "+"),
                arguments("slash", (TokenChange) token -> token.replaceFirst("\\.", "/.")),
                arguments("padding", (TokenChange) token -> token + "=="),
                arguments("percent", (TokenChange) token -> token.replaceFirst("\\.", "%2E.")),
                arguments("empty header", (TokenChange) token -> token.substring(token.indexOf('.'))),
                arguments("header not JSON", (TokenChange) token -> Fixture.b64("ES256") + token.substring(
                        token.indexOf('.'))),
                arguments("payload not JSON", (TokenChange) token -> token.substring(0, token.indexOf('.') + 1)
                        + Fixture.b64("[1,2]") + token.substring(token.lastIndexOf('.'))));
    }

    @Test
    void otherTokenKindsRejected() throws Exception {
        String capability = fixture.issueCapabilityToken();
        String proof = fixture.resourceProof("GET", OPS_QUEUES, capability);
        String idToken = fixture.subjectToken();
        String txnToken = fixture.services.txnTokens().issue(new Principal(IDP, "alice", Set.of(), null, Set.of(),
                null), null, Set.of("ops.read"), "txn-1", "ops");
        String untyped = Fixture.sign(gatewayKey, null, capabilityClaims().build());
        String typedJwt = Fixture.sign(gatewayKey, JOSEObjectType.JWT, capabilityClaims().build());
        String upperCaseType = Fixture.sign(gatewayKey, new JOSEObjectType("AT+JWT"), capabilityClaims().build());

        for (String token : List.of(proof, idToken, txnToken, untyped, typedJwt, upperCaseType)) {
            assertRejected(token, OAuthErrorCode.INVALID_TOKEN);
        }
    }
}
