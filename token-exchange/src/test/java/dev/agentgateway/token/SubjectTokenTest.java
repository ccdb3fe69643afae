package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.GATEWAY_AUDIENCE;
import static dev.agentgateway.token.Fixture.IDP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Subject token verification at the token endpoint: every rejection is an RFC 8693 §2.2.2 invalid_request. */
class SubjectTokenTest {

    @TempDir
    Path directory;

    Fixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new Fixture(directory);
    }

    TokenExchangeResult exchange(String subjectToken) throws OAuthException {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(subjectToken));
        return fixture.exchange().exchange(fixture.request(form));
    }

    void assertRejected(String subjectToken, String described) {
        assertThatThrownBy(() -> exchange(subjectToken))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).as(e.getMessage()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
                    assertThat(e.description()).contains(described);
                });
    }

    Map<String, Object> header() {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "ES256");
        header.put("typ", "JWT");
        header.put("kid", fixture.idpKey.getKeyID());
        return header;
    }

    @Test
    void rawSignedTokenAccepted() throws Exception {
        String token = HostileTokens.signed(header(), HostileTokens.payload(fixture.subjectClaims().build()),
                fixture.idpKey);

        assertThat(exchange(token).principal().subject()).isEqualTo("alice");
    }

    @Test
    void tokenWithoutTypAccepted() throws Exception {
        String token = Fixture.sign(fixture.idpKey, null, fixture.subjectClaims().build());

        assertThat(exchange(token).principal().subject()).isEqualTo("alice");
    }

    @Test
    void tokenWithoutGroupsAccepted() throws Exception {
        Map<String, Object> payload = HostileTokens.payload(fixture.subjectClaims().build());
        payload.remove("groups");
        payload.remove("amr");
        payload.remove("acr");
        payload.remove("auth_time");

        TokenExchangeResult result = exchange(HostileTokens.signed(header(), payload, fixture.idpKey));

        assertThat(result.principal().groups()).isEmpty();
        assertThat(result.principal().authTime()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgedClaims")
    void forgedClaimsRejected(String name, Consumer<Map<String, Object>> change, String described) {
        Map<String, Object> payload = HostileTokens.payload(fixture.subjectClaims().build());
        change.accept(payload);

        assertRejected(HostileTokens.signed(header(), payload, fixture.idpKey), described);
    }

    static Stream<Arguments> forgedClaims() {
        long now = Instant.now().getEpochSecond();
        return Stream.of(
                arguments("exp exactly now", put("exp", now), "leaves no lifetime"),
                arguments("exp within skew", put("exp", now - 3), "leaves no lifetime"),
                arguments("exp beyond skew", put("exp", now - 6), "Expired"),
                arguments("exp missing", remove("exp"), "exp"),
                arguments("exp string", put("exp", String.valueOf(now + 600)), "exp"),
                arguments("exp negative", put("exp", -100), "exp"),
                arguments("exp huge", put("exp", 1_000_000_000_000L), "exp"),
                arguments("exp max long", put("exp", Long.MAX_VALUE), "exp"),
                arguments("nbf in future", put("nbf", now + 60), "before use"),
                arguments("iat in future", put("iat", now + 60), "iat"),
                arguments("iat missing", remove("iat"), "iat"),
                arguments("sub missing", remove("sub"), "sub"),
                arguments("sub number", put("sub", 42), "sub"),
                arguments("aud other", put("aud", "other-service"), "aud"),
                arguments("aud missing", remove("aud"), "aud"),
                arguments("iss unknown", put("iss", "https://evil.example.test"), "not a trusted issuer"),
                arguments("iss missing", remove("iss"), "iss missing"),
                arguments("iss number", put("iss", 7), "iss"),
                arguments("iss is gateway", put("iss", Fixture.ORIGIN), "is this gateway"),
                arguments("groups string", put("groups", "oncall"), "groups"),
                arguments("amr object", put("amr", Map.of("a", "b")), "amr"),
                arguments("acr number", put("acr", 3), "acr"),
                arguments("auth_time string", put("auth_time", "yesterday"), "auth_time"),
                arguments("auth_time huge", put("auth_time", 1e20), "auth_time"));
    }

    private static Consumer<Map<String, Object>> put(String claim, Object value) {
        return payload -> payload.put(claim, value);
    }

    private static Consumer<Map<String, Object>> remove(String claim) {
        return payload -> payload.remove(claim);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "NONE", "None", "nOnE"})
    void unsecuredTokenRejected(String algorithm) {
        Map<String, Object> payload = HostileTokens.payload(fixture.subjectClaims().build());

        assertRejected(HostileTokens.unsecured(algorithm, payload, ""), "subject token rejected");
        assertRejected(HostileTokens.unsecured(algorithm, payload, "AAAA"), "subject token rejected");
    }

    @Test
    void hmacWithIssuerPublicKeyRejected() throws Exception {
        Map<String, Object> header = header();
        header.put("alg", "HS256");
        Map<String, Object> payload = HostileTokens.payload(fixture.subjectClaims().build());
        List<byte[]> secrets = List.of(
                fixture.idpKey.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8),
                fixture.idpKey.toECPublicKey().getEncoded());

        for (byte[] secret : secrets) {
            assertRejected(HostileTokens.hmac(header, payload, secret), "subject token rejected");
        }
    }

    @Test
    void embeddedJwkNotUsed() throws Exception {
        ECKey attacker = Fixture.ecKey(fixture.idpKey.getKeyID());
        Map<String, Object> header = header();
        header.put("jwk", attacker.toPublicJWK().toJSONObject());

        assertRejected(HostileTokens.signed(header, HostileTokens.payload(fixture.subjectClaims().build()), attacker),
                "Invalid signature");
    }

    @Test
    void headerKeyUrlsNeverFetched() throws Exception {
        ECKey attacker = Fixture.ecKey(fixture.idpKey.getKeyID());
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String url = "http://127.0.0.1:" + server.getLocalPort() + "/keys";
            for (String parameter : List.of("jku", "x5u")) {
                Map<String, Object> header = header();
                header.put(parameter, url);
                assertRejected(HostileTokens.signed(header, HostileTokens.payload(fixture.subjectClaims().build()),
                        attacker), "subject token rejected");
            }
            server.setSoTimeout(200);
            assertThatThrownBy(server::accept).as("connection to the header's URL")
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void degenerateSignaturesRejected() {
        String token = fixture.subjectToken();

        assertRejected(HostileTokens.withSignature(token, BigInteger.ZERO), "Invalid signature");
        assertRejected(HostileTokens.withSignature(token, HostileTokens.P256_ORDER), "Invalid signature");
    }

    @Test
    void disallowedTypRejected() {
        for (String type : List.of("at+jwt", "dpop+jwt", "txntoken+jwt", "secevent+jwt")) {
            assertRejected(Fixture.sign(fixture.idpKey, new JOSEObjectType(type), fixture.subjectClaims().build()),
                    "subject token rejected");
        }
    }

    @Test
    void disallowedAlgorithmRejected() throws Exception {
        ECKey p384 = new ECKeyGenerator(Curve.P_384)
                .keyID(fixture.idpKey.getKeyID()).generate();
        Map<String, Object> header = header();
        header.put("alg", "ES384");
        String token = Fixture.b64(HostileTokens.json(header)) + "." + Fixture.b64(HostileTokens.json(
                HostileTokens.payload(fixture.subjectClaims().build())));
        String signature = new ECDSASigner(p384).sign(
                new JWSHeader(JWSAlgorithm.ES384),
                token.getBytes(StandardCharsets.US_ASCII)).toString();

        assertRejected(token + "." + signature, "subject token rejected");
    }

    @Test
    void dpopProofAsSubjectTokenRejected() {
        assertRejected(fixture.tokenProof(), "iss missing");
    }

    @Test
    void actorTokenAsSubjectOfOtherIssuerAccepted() throws Exception {
        JWTClaimsSet claims = fixture.actorClaims().audience(GATEWAY_AUDIENCE).build();

        assertThat(exchange(Fixture.sign(fixture.agentIdpKey, JOSEObjectType.JWT, claims)).principal().issuer())
                .isEqualTo(Fixture.AGENT_IDP);
    }

    @Test
    void signedByOtherIssuerKeyRejected() {
        assertRejected(Fixture.sign(fixture.agentIdpKey, JOSEObjectType.JWT, fixture.subjectClaims().build()),
                "subject token rejected");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedTokens")
    void malformedTokenRejected(String name, AccessTokenAuthenticatorTest.TokenChange change) {
        assertRejected(change.apply(fixture.subjectToken()), "subject token rejected");
    }

    static Stream<Arguments> malformedTokens() {
        return Stream.concat(AccessTokenAuthenticatorTest.malformedTokens(), Stream.of(
                arguments("nested header near limit", (AccessTokenAuthenticatorTest.TokenChange) token ->
                        HostileTokens.nestedHeader(token, 5000)),
                arguments("whitespace", (AccessTokenAuthenticatorTest.TokenChange) token -> " " + token)));
    }

    @Test
    void issuerNamedInRejection() {
        String token = HostileTokens.signed(header(), Map.of("iss", IDP + "/other\r\nx"), fixture.idpKey);

        assertThatThrownBy(() -> exchange(token))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.description())
                        .contains("\\u000d\\u000a").doesNotContain("\r"));
    }
}
