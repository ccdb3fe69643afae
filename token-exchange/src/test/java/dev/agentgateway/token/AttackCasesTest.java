package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.OPS_QUEUES;
import static dev.agentgateway.token.Fixture.ORIGIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.agentgateway.config.TokenConfig;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile JWTs against every place the gateway accepts one: capability tokens at the proxy, subject and actor tokens
 * and DPoP proofs at the token endpoint, and DPoP proofs at the proxy. Each attack starts from a token of that kind
 * that is accepted, so a rejection can only come from the attack. Every rejection must be an
 * {@link OAuthException} with the kind's error code; anything else, including an {@link Error}, fails the test.
 * A loopback server is open during every test and must never be connected to.
 */
class AttackCasesTest {

    /** A place a JWT is presented, with the error code a rejection there carries. */
    enum Kind {
        CAPABILITY(OAuthErrorCode.INVALID_TOKEN),
        SUBJECT(OAuthErrorCode.INVALID_REQUEST),
        ACTOR(OAuthErrorCode.INVALID_REQUEST),
        RESOURCE_PROOF(OAuthErrorCode.INVALID_DPOP_PROOF),
        TOKEN_ENDPOINT_PROOF(OAuthErrorCode.INVALID_DPOP_PROOF);

        final OAuthErrorCode code;

        Kind(OAuthErrorCode code) {
            this.code = code;
        }
    }

    private static final Set<Kind> ALL = EnumSet.allOf(Kind.class);
    /** Kinds verified with keys the gateway holds, where a key in the header must never be used. */
    private static final Set<Kind> KEY_FROM_CONFIG = EnumSet.of(Kind.CAPABILITY, Kind.SUBJECT, Kind.ACTOR);

    @TempDir
    Path directory;

    Fixture fixture;
    ECKey gatewayKey;
    /** A capability token the resource proofs are bound to. */
    String boundToken;
    ServerSocket keyServer;

    @BeforeEach
    void setUp() throws Exception {
        useFixture(new Fixture(directory));
        keyServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    private void useFixture(Fixture replacement) throws Exception {
        fixture = replacement;
        gatewayKey = JWKSet.parse(Files.readString(fixture.signingKeyFile)).getKeys().get(0).toECKey();
        boundToken = fixture.issueCapabilityToken();
    }

    /** Replaces the fixture with one whose clock skew is {@code seconds}, unless it already has that skew. */
    private void useClockSkew(long seconds) throws Exception {
        TokenConfig defaults = TokenConfig.defaults();
        if (defaults.clockSkew().toSeconds() != seconds) {
            useFixture(new Fixture(directory.resolve("skew-" + seconds), new TokenConfig(
                    defaults.capabilityLifetime(), defaults.proofMaxAge(), Duration.ofSeconds(seconds),
                    defaults.txnTokenLifetime())));
        }
    }

    @AfterEach
    void noKeyFetched() throws Exception {
        try (ServerSocket server = keyServer) {
            server.setSoTimeout(100);
            assertThatThrownBy(server::accept).as("connection to a URL named in a token header")
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    // Valid tokens of each kind.

    Map<String, Object> header(Kind kind) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "ES256");
        switch (kind) {
            case CAPABILITY -> {
                header.put("typ", "at+jwt");
                header.put("kid", gatewayKey.getKeyID());
            }
            case SUBJECT, ACTOR -> {
                header.put("typ", "JWT");
                header.put("kid", key(kind).getKeyID());
            }
            default -> {
                header.put("typ", "dpop+jwt");
                header.put("jwk", fixture.proofKey.toPublicJWK().toJSONObject());
            }
        }
        return header;
    }

    Map<String, Object> payload(Kind kind) throws Exception {
        return switch (kind) {
            case CAPABILITY -> capabilityPayload();
            case SUBJECT -> HostileTokens.payload(fixture.subjectClaims().build());
            case ACTOR -> HostileTokens.payload(fixture.actorClaims().build());
            case RESOURCE_PROOF -> HostileTokens.payload(Fixture.proofClaims("GET", OPS_QUEUES.toString(),
                    fixture.now, boundToken).build());
            case TOKEN_ENDPOINT_PROOF -> HostileTokens.payload(Fixture.proofClaims("POST",
                    Fixture.TOKEN_ENDPOINT.toString(), fixture.now, null).build());
        };
    }

    private Map<String, Object> capabilityPayload() throws Exception {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("iss", ORIGIN);
        payload.put("sub", "alice");
        payload.put("aud", "ops");
        payload.put("iat", fixture.now.getEpochSecond());
        payload.put("exp", fixture.now.getEpochSecond() + 300);
        payload.put("jti", UUID.randomUUID().toString());
        payload.put("cnf", Map.of("jkt", fixture.proofKey.computeThumbprint().toString()));
        payload.put("scope", "ops.read");
        payload.put("subject_issuer", Fixture.IDP);
        return payload;
    }

    ECKey key(Kind kind) {
        return switch (kind) {
            case CAPABILITY -> gatewayKey;
            case SUBJECT -> fixture.idpKey;
            case ACTOR -> fixture.agentIdpKey;
            default -> fixture.proofKey;
        };
    }

    String valid(Kind kind) throws Exception {
        return HostileTokens.signed(header(kind), payload(kind), key(kind));
    }

    /** Presents {@code jwt} where a token of {@code kind} is expected, with everything else in the request valid. */
    void present(Kind kind, String jwt) throws Exception {
        switch (kind) {
            case CAPABILITY -> fixture.authenticate(jwt, fixture.resourceProof("GET", OPS_QUEUES, jwt));
            case SUBJECT, ACTOR -> {
                Map<String, List<String>> form = fixture.form();
                form.put(kind == Kind.SUBJECT ? "subject_token" : "actor_token", List.of(jwt));
                fixture.exchange().exchange(fixture.request(form));
            }
            case RESOURCE_PROOF -> fixture.authenticate(boundToken, jwt);
            case TOKEN_ENDPOINT_PROOF -> fixture.exchange().exchange(new TokenExchangeRequest("POST",
                    Fixture.TOKEN_ENDPOINT, fixture.form(), List.of(jwt)));
        }
    }

    void assertRejected(Kind kind, String jwt) {
        assertThatThrownBy(() -> present(kind, jwt))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).as(e.getMessage()).isEqualTo(kind.code);
                    assertThat(e.description()).as("description quotes the token")
                            .doesNotContain(jwt.substring(0, Math.min(jwt.length(), 24)));
                });
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void validTemplateAccepted(Kind kind) throws Exception {
        present(kind, valid(kind));
    }

    // Attacks, each applied to every kind it concerns.

    interface Attack {
        String build(AttackCasesTest test, Kind kind) throws Exception;
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("attacks")
    void attackRejected(String name, Kind kind, Attack attack) throws Exception {
        assertRejected(kind, attack.build(this, kind));
    }

    static Stream<Arguments> attacks() {
        return Stream.of(
                unsecured(),
                hmac(),
                headerKeys(),
                degenerateSignatures(),
                encrypted(),
                nesting(),
                serialization(),
                strictJson())
                .flatMap(cases -> cases);
    }

    private static Stream<Arguments> cases(Set<Kind> kinds, String name, Attack attack) {
        return kinds.stream().map(kind -> arguments(name, kind, attack));
    }

    private static Stream<Arguments> unsecured() {
        return Stream.of("none", "NONE", "None", "nOnE", "NoNe", "nonE")
                .flatMap(alg -> Stream.concat(
                        cases(ALL, "alg " + alg + " without signature", (t, k) -> t.unsecuredToken(k, alg, "")),
                        cases(ALL, "alg " + alg + " with signature", (t, k) -> t.unsecuredToken(k, alg, "AAAA"))));
    }

    private String unsecuredToken(Kind kind, String alg, String signature) throws Exception {
        Map<String, Object> header = header(kind);
        header.put("alg", alg);
        return Fixture.b64(HostileTokens.json(header)) + "." + Fixture.b64(HostileTokens.json(payload(kind))) + "."
                + signature;
    }

    /** HS256 keyed with the verification key's public forms: no path of the gateway may verify a MAC. */
    private static Stream<Arguments> hmac() {
        return Stream.of(
                cases(ALL, "HS256 keyed with public JWK", (t, k) -> t.hmacToken(k,
                        t.key(k).toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8))),
                cases(ALL, "HS256 keyed with public key DER", (t, k) -> t.hmacToken(k,
                        t.key(k).toECPublicKey().getEncoded())),
                cases(EnumSet.of(Kind.CAPABILITY), "HS256 keyed with published JWKS", (t, k) -> t.hmacToken(k,
                        t.fixture.services.jwksJson().getBytes(StandardCharsets.UTF_8))))
                .flatMap(cases -> cases);
    }

    private String hmacToken(Kind kind, byte[] secret) throws Exception {
        Map<String, Object> header = header(kind);
        header.put("alg", "HS256");
        return HostileTokens.hmac(header, payload(kind), secret);
    }

    /** Tokens signed by an attacker whose key or key URL is in the header. A proof's jwk is its key by design. */
    private static Stream<Arguments> headerKeys() {
        return Stream.of(
                cases(KEY_FROM_CONFIG, "embedded jwk", (t, k) -> t.attackerSigned(k, "jwk",
                        t.attacker(k).toPublicJWK().toJSONObject())),
                cases(KEY_FROM_CONFIG, "embedded x5c", (t, k) -> t.attackerSigned(k, "x5c",
                        List.of(Base64.getEncoder().encodeToString(t.attacker(k).toECPublicKey().getEncoded())))),
                cases(KEY_FROM_CONFIG, "jku on loopback", (t, k) -> t.attackerSigned(k, "jku", t.keyUrl())),
                cases(KEY_FROM_CONFIG, "x5u on loopback", (t, k) -> t.attackerSigned(k, "x5u", t.keyUrl())),
                cases(EnumSet.of(Kind.RESOURCE_PROOF, Kind.TOKEN_ENDPOINT_PROOF), "proof jwk off the curve",
                        AttackCasesTest::offCurveProof))
                .flatMap(cases -> cases);
    }

    private ECKey attacker(Kind kind) throws Exception {
        return Fixture.ecKey(key(kind).getKeyID());
    }

    private String keyUrl() {
        return "http://127.0.0.1:" + keyServer.getLocalPort() + "/keys";
    }

    private String attackerSigned(Kind kind, String parameter, Object value) throws Exception {
        Map<String, Object> header = header(kind);
        header.put(parameter, value);
        return HostileTokens.signed(header, payload(kind), attacker(kind));
    }

    private String withHeader(Kind kind, String parameter, Object value) throws Exception {
        Map<String, Object> header = header(kind);
        header.put(parameter, value);
        return HostileTokens.signed(header, payload(kind), key(kind));
    }

    private String offCurveProof(Kind kind) throws Exception {
        Map<String, Object> jwk = new LinkedHashMap<>(fixture.proofKey.toPublicJWK().toJSONObject());
        jwk.put("x", Fixture.b64("\u0001".repeat(32)));
        return withHeader(kind, "jwk", jwk);
    }

    /** Accepts a proof with a {@code jku} or {@code x5u} beside its {@code jwk}, its key, and fetches nothing. */
    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"RESOURCE_PROOF", "TOKEN_ENDPOINT_PROOF"})
    void proofKeyUrlIgnored(Kind kind) throws Exception {
        for (String parameter : List.of("jku", "x5u")) {
            present(kind, withHeader(kind, parameter, keyUrl()));
        }
    }

    /** ECDSA signatures with r = s = 0 and r = s = n, in JOSE's raw form and in DER. */
    private static Stream<Arguments> degenerateSignatures() {
        BigInteger order = HostileTokens.P256_ORDER;
        return Stream.of(
                cases(ALL, "r=s=0 raw", (t, k) -> HostileTokens.withSignature(t.valid(k), BigInteger.ZERO)),
                cases(ALL, "r=s=n raw", (t, k) -> HostileTokens.withSignature(t.valid(k), order)),
                cases(ALL, "r=s=0 DER", (t, k) -> HostileTokens.withDerSignature(t.valid(k), BigInteger.ZERO)),
                cases(ALL, "r=s=n DER", (t, k) -> HostileTokens.withDerSignature(t.valid(k), order)))
                .flatMap(cases -> cases);
    }

    private static Stream<Arguments> encrypted() {
        String pbes2 = Fixture.b64("{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\",\"p2c\":2147483647,"
                + "\"p2s\":\"AAAAAAAAAAAAAAAAAAAAAA\"}") + ".AAAA.AAAA.AAAA.AAAA";
        return Stream.of(
                cases(ALL, "JWE five segments", (t, k) -> HostileTokens.jwe()),
                cases(ALL, "JWE PBES2 with huge p2c", (t, k) -> pbes2))
                .flatMap(cases -> cases);
    }

    private static Stream<Arguments> nesting() {
        return Stream.of(
                cases(ALL, "header nested 2000 deep", (t, k) -> HostileTokens.nestedHeader(t.valid(k), 2000)),
                cases(ALL, "header nested 100000 deep", (t, k) -> HostileTokens.nestedHeader(t.valid(k), 100_000)),
                cases(ALL, "payload nested 5000 deep", (t, k) -> t.withNestedClaim(k, 5000)),
                cases(ALL, "payload nested one past the limit", (t, k) -> t.withNestedClaim(k, 16)))
                .flatMap(cases -> cases);
    }

    /** Returns a correctly signed token whose payload has a claim of {@code depth} nested arrays. */
    private String withNestedClaim(Kind kind, int depth) throws Exception {
        String payload = HostileTokens.json(payload(kind));
        String nested = payload.substring(0, payload.length() - 1) + ",\"x\":" + HostileTokens.nestedArrays(depth)
                + "}";
        return Fixture.signRaw(HostileTokens.json(header(kind)), nested, key(kind));
    }

    private static Stream<Arguments> serialization() {
        return Stream.of(
                cases(ALL, "multi-megabyte", (t, k) -> HostileTokens.huge(t.valid(k), 4)),
                cases(ALL, "JSON serialization", (t, k) -> HostileTokens.jsonSerialization(t.valid(k))),
                cases(ALL, "padding after signature", (t, k) -> t.valid(k) + "=="),
                cases(ALL, "padding after header", (t, k) -> t.valid(k).replaceFirst("\\.", "=.")),
                cases(ALL, "one segment", (t, k) -> t.valid(k).substring(0, t.valid(k).indexOf('.'))),
                cases(ALL, "two segments", (t, k) -> t.valid(k).substring(0, t.valid(k).lastIndexOf('.'))),
                cases(ALL, "four segments", (t, k) -> t.valid(k) + ".AAAA"),
                cases(ALL, "empty payload", (t, k) -> t.valid(k).replaceFirst("\\.[^.]+\\.", "..")),
                cases(ALL, "empty signature", (t, k) -> t.valid(k).substring(0, t.valid(k).lastIndexOf('.') + 1)),
                cases(ALL, "non-canonical signature", (t, k) -> HostileTokens.withNonCanonicalSignature(t.valid(k))),
                cases(ALL, "plus sign", (t, k) -> t.insertIntoPayload(k, "+")),
                cases(ALL, "slash", (t, k) -> t.insertIntoPayload(k, "/")),
                cases(ALL, "percent", (t, k) -> t.insertIntoPayload(k, "%2E")),
                cases(ALL, "space", (t, k) -> t.insertIntoPayload(k, " ")),
                cases(ALL, "line feed", (t, k) -> t.insertIntoPayload(k, "\n")),
                cases(ALL, "NUL", (t, k) -> t.insertIntoPayload(k, "\u0000")),
                cases(ALL, "non-ASCII letter", (t, k) -> t.insertIntoPayload(k, "\u00e9")),
                cases(EnumSet.complementOf(EnumSet.of(Kind.CAPABILITY)), "leading whitespace",
                        (t, k) -> " " + t.valid(k)))
                .flatMap(cases -> cases);
    }

    private String insertIntoPayload(Kind kind, String text) throws Exception {
        String token = valid(kind);
        int middle = token.indexOf('.') + 5;
        return token.substring(0, middle) + text + token.substring(middle);
    }

    /** Correctly signed tokens whose JSON a lenient parser would read, but RFC 8725 §3.2 does not allow. */
    private static Stream<Arguments> strictJson() {
        return Stream.of(
                cases(ALL, "duplicate header member", (t, k) -> t.rawSigned(k, t.headerJson(k).replaceFirst("\\{",
                        "{\"alg\":\"ES256\","), t.payloadJson(k))),
                cases(ALL, "duplicate claim", (t, k) -> t.rawSigned(k, t.headerJson(k), t.payloadJson(k)
                        .replaceFirst("\\{", "{\"iat\":" + t.fixture.now.getEpochSecond() + ","))),
                cases(ALL, "content after payload object", (t, k) -> t.rawSigned(k, t.headerJson(k),
                        t.payloadJson(k) + "{}")),
                cases(ALL, "content after header object", (t, k) -> t.rawSigned(k, t.headerJson(k) + " 1",
                        t.payloadJson(k))),
                cases(ALL, "payload array", (t, k) -> t.rawSigned(k, t.headerJson(k), "[" + t.payloadJson(k) + "]")),
                cases(ALL, "payload string", (t, k) -> t.rawSigned(k, t.headerJson(k), "\"x\"")),
                cases(ALL, "payload with comment", (t, k) -> t.rawSigned(k, t.headerJson(k), "/* x */"
                        + t.payloadJson(k))),
                cases(ALL, "payload with single quotes", (t, k) -> t.rawSigned(k, t.headerJson(k),
                        t.payloadJson(k).replaceFirst("\\{", "{'x':'y',"))),
                cases(ALL, "payload invalid UTF-8", AttackCasesTest::invalidUtf8),
                cases(ALL, "number with 100 digits", (t, k) -> t.rawSigned(k, t.headerJson(k), t.payloadJson(k)
                        .replaceFirst("\\{", "{\"x\":" + "9".repeat(100) + ","))))
                .flatMap(cases -> cases);
    }

    private String headerJson(Kind kind) {
        return HostileTokens.json(header(kind));
    }

    private String payloadJson(Kind kind) throws Exception {
        return HostileTokens.json(payload(kind));
    }

    private String rawSigned(Kind kind, String headerJson, String payloadJson) {
        return Fixture.signRaw(headerJson, payloadJson, key(kind));
    }

    private String invalidUtf8(Kind kind) throws Exception {
        String payload = payloadJson(kind);
        byte[] text = payload.substring(0, payload.length() - 1).getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[text.length + 10];
        System.arraycopy(text, 0, bytes, 0, text.length);
        byte[] tail = {',', '"', 'x', '"', ':', '"', (byte) 0xC3, 0x28, '"', '}'};
        System.arraycopy(tail, 0, bytes, text.length, tail.length);
        return HostileTokens.signedBytes(headerJson(kind), bytes, key(kind));
    }

    // Time claims (RFC 7519 §4.1.4-6) for every kind, at clock skew 0 and at the default 5 s.

    interface TimeChange {
        void apply(Map<String, Object> payload, Kind kind, long now, long skew);
    }

    @ParameterizedTest(name = "{0} as {1}, skew {2}s")
    @MethodSource("timeClaims")
    void timeClaimChecked(String name, Kind kind, long skew, TimeChange change, boolean accepted) throws Exception {
        useClockSkew(skew);
        Map<String, Object> payload = payload(kind);
        change.apply(payload, kind, fixture.now.getEpochSecond(), skew);
        String jwt = HostileTokens.signed(header(kind), payload, key(kind));

        if (accepted) {
            present(kind, jwt);
        } else {
            assertRejected(kind, jwt);
        }
    }

    static Stream<Arguments> timeClaims() {
        Set<Kind> tokens = EnumSet.of(Kind.CAPABILITY, Kind.SUBJECT, Kind.ACTOR);
        Set<Kind> proofs = EnumSet.of(Kind.RESOURCE_PROOF, Kind.TOKEN_ENDPOINT_PROOF);
        Stream<Arguments> boundaries = Stream.of(0L, 5L).flatMap(skew -> Stream.of(
                timeCases(tokens, skew, "exp at the expiry boundary", false,
                        (p, k, now, s) -> p.put("exp", expiryBoundary(k, now, s))),
                timeCases(tokens, skew, "exp one second before the expiry boundary", true,
                        (p, k, now, s) -> p.put("exp", expiryBoundary(k, now, s) + 1)),
                timeCases(tokens, skew, "nbf within skew", true, (p, k, now, s) -> p.put("nbf", now + s - 1)),
                timeCases(tokens, skew, "nbf beyond skew", false, (p, k, now, s) -> p.put("nbf", now + s + 1)),
                timeCases(tokens, skew, "iat at skew", true, (p, k, now, s) -> p.put("iat", now + s)),
                timeCases(tokens, skew, "iat beyond skew", false, (p, k, now, s) -> p.put("iat", now + s + 1)),
                timeCases(proofs, skew, "proof iat at skew", true, (p, k, now, s) -> p.put("iat", now + s)),
                timeCases(proofs, skew, "proof iat beyond skew", false,
                        (p, k, now, s) -> p.put("iat", now + s + 1)),
                timeCases(proofs, skew, "proof iat older than max age", false,
                        (p, k, now, s) -> p.put("iat", now - 60 - s - 1)))
                .flatMap(cases -> cases));
        Stream<Arguments> malformed = Stream.of(
                timeCases(tokens, 5, "exp missing", false, (p, k, now, s) -> p.remove("exp")),
                timeCases(tokens, 5, "exp null", false, (p, k, now, s) -> p.put("exp", null)),
                timeCases(tokens, 5, "exp string", false, (p, k, now, s) -> p.put("exp", String.valueOf(now + 60))),
                timeCases(tokens, 5, "exp boolean", false, (p, k, now, s) -> p.put("exp", true)),
                timeCases(tokens, 5, "exp negative", false, (p, k, now, s) -> p.put("exp", -1)),
                timeCases(tokens, 5, "exp after year 9999", false, (p, k, now, s) -> p.put("exp", 253_402_300_800L)),
                timeCases(tokens, 5, "exp max long", false, (p, k, now, s) -> p.put("exp", Long.MAX_VALUE)),
                timeCases(tokens, 5, "exp 1e300", false, (p, k, now, s) -> p.put("exp", 1e300)),
                timeCases(tokens, 5, "nbf string", false, (p, k, now, s) -> p.put("nbf", String.valueOf(now))),
                timeCases(tokens, 5, "iat string", false, (p, k, now, s) -> p.put("iat", String.valueOf(now))),
                timeCases(tokens, 5, "iat ten years ahead", false,
                        (p, k, now, s) -> p.put("iat", now + 10 * 365 * 86_400L)),
                timeCases(proofs, 5, "proof iat missing", false, (p, k, now, s) -> p.remove("iat")),
                timeCases(proofs, 5, "proof iat string", false, (p, k, now, s) -> p.put("iat", String.valueOf(now))),
                timeCases(proofs, 5, "proof iat boolean", false, (p, k, now, s) -> p.put("iat", false)),
                timeCases(proofs, 5, "proof iat negative", false, (p, k, now, s) -> p.put("iat", -now)),
                timeCases(proofs, 5, "proof iat max long", false, (p, k, now, s) -> p.put("iat", Long.MAX_VALUE)),
                timeCases(proofs, 5, "proof iat 1e300", false, (p, k, now, s) -> p.put("iat", 1e300)))
                .flatMap(cases -> cases);
        return Stream.concat(boundaries, malformed);
    }

    /**
     * Returns the latest {@code exp} that is rejected. A capability token is accepted until {@code exp} plus skew
     * has passed. The token endpoint also needs lifetime left for the capability token it mints, so a subject or
     * actor token must not have expired at all.
     */
    private static long expiryBoundary(Kind kind, long now, long skew) {
        return kind == Kind.CAPABILITY ? now - skew : now;
    }

    private static Stream<Arguments> timeCases(Set<Kind> kinds, long skew, String name, boolean accepted,
            TimeChange change) {
        return kinds.stream().map(kind -> arguments(name, kind, skew, change, accepted));
    }
}
