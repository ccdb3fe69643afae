package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.AGENT_IDP;
import static dev.agentgateway.token.Fixture.IDP;
import static dev.agentgateway.token.Fixture.JWT_TOKEN_TYPE;
import static dev.agentgateway.token.Fixture.ORIGIN;
import static dev.agentgateway.token.Fixture.TOKEN_ENDPOINT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.policy.PrincipalClass;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Date;
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

class TokenExchangeServiceTest {

    @TempDir
    Path directory;

    Fixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new Fixture(directory);
    }

    @Test
    void exchangeIssuesBoundCapabilityToken() throws Exception {
        TokenExchangeResult result = fixture.exchange().exchange(fixture.request(fixture.form()));

        JsonNode response = Fixture.json(result.responseJson());
        assertThat(response.get("issued_token_type").asText())
                .isEqualTo("urn:ietf:params:oauth:token-type:access_token");
        assertThat(response.get("token_type").asText()).isEqualTo("DPoP");
        assertThat(response.get("expires_in").asLong()).isEqualTo(300);
        assertThat(response.get("scope").asText()).isEqualTo("ops.read");
        assertThat(result.principal().issuer()).isEqualTo(IDP);
        assertThat(result.principal().subject()).isEqualTo("alice");
        assertThat(result.principal().groups()).containsExactlyInAnyOrder("oncall", "sre");
        assertThat(result.actor().subject()).isEqualTo("agent-7");
        assertThat(result.actor().issuer()).isEqualTo(AGENT_IDP);
        assertThat(result.principalClass()).isEqualTo(PrincipalClass.OPERATOR);
        assertThat(result.tool()).isEqualTo("ops");
        assertThat(result.scopes()).containsExactly("ops.read");
        assertThat(result.keyThumbprint()).isEqualTo(fixture.proofKey.computeThumbprint().toString());
        assertThat(result.expiresAt()).isEqualTo(fixture.now.plusSeconds(300));
        assertThat(result.toString()).doesNotContain(response.get("access_token").asText());
    }

    @Test
    void capabilityTokenCarriesClaims() throws Exception {
        TokenExchangeResult result = fixture.exchange().exchange(fixture.request(fixture.form()));
        SignedJWT token = SignedJWT.parse(Fixture.accessToken(result));
        ECKey gatewayKey = JWKSet.parse(fixture.services.jwksJson()).getKeys().get(0).toECKey();

        assertThat(token.verify(new ECDSAVerifier(gatewayKey))).isTrue();
        assertThat(token.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(token.getHeader().getType().getType()).isEqualTo("at+jwt");
        assertThat(token.getHeader().getKeyID()).isEqualTo(gatewayKey.getKeyID());
        JWTClaimsSet claims = token.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(ORIGIN);
        assertThat(claims.getSubject()).isEqualTo("alice");
        assertThat(claims.getAudience()).containsExactly("ops");
        assertThat(claims.getStringClaim("client_id")).isEqualTo("agent-7");
        assertThat(claims.getStringClaim("scope")).isEqualTo("ops.read");
        assertThat(claims.getIssueTime().toInstant()).isEqualTo(fixture.now);
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(fixture.now.plusSeconds(300));
        assertThat(claims.getJWTID()).isEqualTo(result.tokenId()).hasSize(22);
        assertThat(claims.getJSONObjectClaim("cnf")).containsEntry("jkt", result.keyThumbprint());
        assertThat(claims.getJSONObjectClaim("act")).containsEntry("sub", "agent-7").containsEntry("iss", AGENT_IDP);
        assertThat(claims.getStringClaim("subject_issuer")).isEqualTo(IDP);
        assertThat(claims.getStringListClaim("groups")).containsExactly("oncall", "sre");
        assertThat(claims.getStringListClaim("amr")).containsExactly("hwk", "pwd");
        assertThat(claims.getStringClaim("acr")).isEqualTo("phr");
        assertThat(claims.getLongClaim("auth_time")).isEqualTo(fixture.now.minusSeconds(120).getEpochSecond());
        assertThat(claims.getStringClaim("principal_class")).isEqualTo("operator");
    }

    @Test
    void exchangeThenAuthenticate() throws Exception {
        TokenExchangeResult result = fixture.exchange().exchange(fixture.request(fixture.form()));
        String token = Fixture.accessToken(result);
        String proof = fixture.resourceProof("GET", Fixture.OPS_QUEUES, token);

        VerifiedCall call = fixture.authenticate(token, proof);

        assertThat(call.principal()).isEqualTo(result.principal());
        assertThat(call.actor()).isEqualTo(result.actor());
        assertThat(call.tool()).isEqualTo("ops");
        assertThat(call.scopes()).containsExactly("ops.read");
        assertThat(call.tokenId()).isEqualTo(result.tokenId());
        assertThat(call.proofId()).isEqualTo(SignedJWT.parse(proof).getJWTClaimsSet().getJWTID());
        assertThat(call.keyThumbprint()).isEqualTo(result.keyThumbprint());
        assertThat(call.expiresAt()).isEqualTo(result.expiresAt());
    }

    @Test
    void omittedScopeGrantsAllGrantable() throws Exception {
        Map<String, List<String>> form = fixture.form();
        form.remove("scope");

        TokenExchangeResult result = fixture.exchange().exchange(fixture.request(form));

        assertThat(result.scopes()).containsExactlyInAnyOrder("ops.read", "ops.write");
        assertThat(Fixture.json(result.responseJson()).get("scope").asText()).isEqualTo("ops.read ops.write");
    }

    @Test
    void nothingGrantableIssuesEmptyScope() throws Exception {
        fixture.authority.grant("ops");
        Map<String, List<String>> form = fixture.form();
        form.remove("scope");

        TokenExchangeResult result = fixture.exchange().exchange(fixture.request(form));

        assertThat(result.scopes()).isEmpty();
        assertThat(Fixture.json(result.responseJson()).get("scope").asText()).isEmpty();
    }

    @Test
    void nothingGrantableRejectsRequestedScope() {
        fixture.authority.grant("ops");

        assertRejected(fixture.request(fixture.form()), OAuthErrorCode.INVALID_SCOPE, "ops.read");
    }

    @Test
    void lifetimeCappedBySubjectAndActorExpiry() throws Exception {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(Fixture.sign(fixture.idpKey, JOSEObjectType.JWT, fixture.subjectClaims()
                .expirationTime(Date.from(fixture.now.plusSeconds(100))).build())));
        TokenExchangeResult bySubject = fixture.exchange().exchange(fixture.request(form));
        form.put("actor_token", List.of(Fixture.sign(fixture.agentIdpKey, JOSEObjectType.JWT, fixture.actorClaims()
                .expirationTime(Date.from(fixture.now.plusSeconds(40))).build())));
        TokenExchangeResult byActor = fixture.exchange().exchange(fixture.request(form));

        assertThat(bySubject.expiresAt()).isEqualTo(fixture.now.plusSeconds(100));
        assertThat(Fixture.json(bySubject.responseJson()).get("expires_in").asLong()).isEqualTo(100);
        assertThat(byActor.expiresAt()).isEqualTo(fixture.now.plusSeconds(40));
    }

    @Test
    void clientIdFallsBackToAzpThenSubject() throws Exception {
        Map<String, List<String>> form = fixture.form();
        form.remove("actor_token");
        form.remove("actor_token_type");
        String withAzp = Fixture.accessToken(fixture.exchange().exchange(fixture.request(form)));
        form.put("subject_token", List.of(Fixture.sign(fixture.idpKey, JOSEObjectType.JWT,
                fixture.subjectClaims().claim("azp", null).build())));
        String withoutAzp = Fixture.accessToken(fixture.exchange().exchange(fixture.request(form)));

        assertThat(SignedJWT.parse(withAzp).getJWTClaimsSet().getStringClaim("client_id")).isEqualTo("console");
        assertThat(SignedJWT.parse(withAzp).getJWTClaimsSet().getClaim("act")).isNull();
        assertThat(SignedJWT.parse(withoutAzp).getJWTClaimsSet().getStringClaim("client_id")).isEqualTo("alice");
    }

    @Test
    void resourceSelectsRoute() throws Exception {
        for (String resource : List.of(ORIGIN + "/tools/files/", ORIGIN + "/tools/files")) {
            Map<String, List<String>> form = fixture.form();
            form.remove("audience");
            form.put("resource", List.of(resource));
            form.put("scope", List.of("files.read"));

            assertThat(fixture.exchange().exchange(fixture.request(form)).tool()).as(resource).isEqualTo("files");
        }
    }

    @Test
    void mayActAllowsNamedActor() throws Exception {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(subjectWith(claims -> claims.claim("may_act",
                Map.of("sub", "agent-7", "iss", AGENT_IDP)))));

        assertThat(fixture.exchange().exchange(fixture.request(form)).actor().subject()).isEqualTo("agent-7");
    }

    @Test
    void mayActWithoutActorTokenRejected() {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(subjectWith(claims -> claims.claim("may_act", Map.of("sub", "agent-7",
                "iss", AGENT_IDP)))));
        form.remove("actor_token");
        form.remove("actor_token_type");

        assertRejected(fixture.request(form), OAuthErrorCode.INVALID_REQUEST, "actor_token is required");
    }

    @Test
    void noMayActWithoutActorTokenAccepted() throws Exception {
        Map<String, List<String>> form = fixture.form();
        form.remove("actor_token");
        form.remove("actor_token_type");

        assertThat(fixture.exchange().exchange(fixture.request(form)).actor()).isNull();
    }

    @Test
    void requestedAccessTokenTypeAccepted() throws Exception {
        Map<String, List<String>> form = fixture.form();
        form.put("requested_token_type", List.of("urn:ietf:params:oauth:token-type:access_token"));

        assertThat(fixture.exchange().exchange(fixture.request(form)).tool()).isEqualTo("ops");
    }

    @Test
    void proofReplayRejected() throws Exception {
        String proof = fixture.tokenProof();
        fixture.exchange().exchange(new TokenExchangeRequest("POST", TOKEN_ENDPOINT, fixture.form(), List.of(proof)));

        assertRejected(new TokenExchangeRequest("POST", TOKEN_ENDPOINT, fixture.form(), List.of(proof)),
                OAuthErrorCode.INVALID_DPOP_PROOF, "jti");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequests")
    void malformedRequestRejected(String name, Consumer<Map<String, List<String>>> change, OAuthErrorCode code,
            String described) {
        Map<String, List<String>> form = fixture.form();
        change.accept(form);

        assertRejected(fixture.request(form), code, described);
    }

    static Stream<Arguments> malformedRequests() {
        return Stream.of(
                arguments("grant_type missing", remove("grant_type"), OAuthErrorCode.INVALID_REQUEST,
                        "grant_type is missing (expected: " + TokenExchangeService.GRANT_TYPE + ")"),
                arguments("grant_type other", set("grant_type", "client_credentials"),
                        OAuthErrorCode.UNSUPPORTED_GRANT_TYPE, "grant_type \"client_credentials\" is not supported"
                                + " (expected: " + TokenExchangeService.GRANT_TYPE + ")"),
                arguments("grant_type twice", add("grant_type", TokenExchangeService.GRANT_TYPE),
                        OAuthErrorCode.INVALID_REQUEST,
                        "parameter \"grant_type\" is given 2 times (expected: at most once)"),
                arguments("subject_token twice", add("subject_token", "x.y.z"), OAuthErrorCode.INVALID_REQUEST,
                        "subject_token"),
                arguments("scope twice", add("scope", "ops.read"), OAuthErrorCode.INVALID_REQUEST, "scope"),
                arguments("actor_token_type twice", add("actor_token_type", JWT_TOKEN_TYPE),
                        OAuthErrorCode.INVALID_REQUEST, "actor_token_type"),
                arguments("subject_token missing", remove("subject_token"), OAuthErrorCode.INVALID_REQUEST,
                        "subject_token is missing"),
                arguments("subject_token_type missing", remove("subject_token_type"), OAuthErrorCode.INVALID_REQUEST,
                        "subject_token_type is missing"),
                arguments("subject_token_type unknown", set("subject_token_type",
                        "urn:ietf:params:oauth:token-type:access_token"), OAuthErrorCode.INVALID_REQUEST,
                        "subject_token_type"),
                arguments("subject_token_type saml", set("subject_token_type",
                        "urn:ietf:params:oauth:token-type:saml2"), OAuthErrorCode.INVALID_REQUEST, "saml2"),
                arguments("actor_token without type", remove("actor_token_type"), OAuthErrorCode.INVALID_REQUEST,
                        "actor_token_type is missing (expected: actor_token and actor_token_type together)"),
                arguments("actor_token_type without token", remove("actor_token"), OAuthErrorCode.INVALID_REQUEST,
                        "actor_token is missing (expected: actor_token and actor_token_type together)"),
                arguments("actor_token_type unknown", set("actor_token_type", "urn:example:unknown"),
                        OAuthErrorCode.INVALID_REQUEST, "actor_token_type"),
                arguments("requested_token_type other", set("requested_token_type",
                        "urn:ietf:params:oauth:token-type:refresh_token"), OAuthErrorCode.INVALID_REQUEST,
                        "requested_token_type"),
                arguments("no target", remove("audience"), OAuthErrorCode.INVALID_TARGET,
                        "resource or audience is missing (expected: exactly one, naming a tool)"),
                arguments("two audiences", add("audience", "files"), OAuthErrorCode.INVALID_TARGET,
                        "resource and audience are given 2 times in total (expected: exactly one, naming a tool)"),
                arguments("audience and resource", set("resource", ORIGIN + "/tools/ops/"),
                        OAuthErrorCode.INVALID_TARGET, "resource and audience are given 2 times in total"),
                arguments("unknown audience", set("audience", "billing"), OAuthErrorCode.INVALID_TARGET,
                        "audience \"billing\" is not supported (expected: the name of a configured tool)"),
                arguments("unknown resource", target("resource", ORIGIN + "/tools/billing/"),
                        OAuthErrorCode.INVALID_TARGET, "billing"),
                arguments("resource other origin", target("resource", "http://127.0.0.1:9999/tools/ops/"),
                        OAuthErrorCode.INVALID_TARGET, "9999"),
                arguments("resource sub path", target("resource", ORIGIN + "/tools/ops/queues"),
                        OAuthErrorCode.INVALID_TARGET, "queues"),
                arguments("scope wider than grantable", set("scope", "ops.read ops.admin"),
                        OAuthErrorCode.INVALID_SCOPE, "ops.admin"),
                arguments("scope of another tool", set("scope", "files.read"), OAuthErrorCode.INVALID_SCOPE,
                        "files.read"),
                arguments("scope double space", set("scope", "ops.read  ops.write"), OAuthErrorCode.INVALID_SCOPE,
                        "malformed"),
                arguments("scope with quote", set("scope", "ops\"read"), OAuthErrorCode.INVALID_SCOPE,
                        "malformed"),
                arguments("scope with newline", set("scope", "ops.read\nops.write"), OAuthErrorCode.INVALID_SCOPE,
                        "malformed"));
    }

    private static Consumer<Map<String, List<String>>> remove(String name) {
        return form -> form.remove(name);
    }

    private static Consumer<Map<String, List<String>>> set(String name, String value) {
        return form -> form.put(name, List.of(value));
    }

    private static Consumer<Map<String, List<String>>> add(String name, String value) {
        return form -> form.put(name, List.of(form.get(name).get(0), value));
    }

    private static Consumer<Map<String, List<String>>> target(String name, String value) {
        return form -> {
            form.remove("audience");
            form.put(name, List.of(value));
        };
    }

    @Test
    void getMethodRejected() {
        TokenExchangeRequest request = new TokenExchangeRequest("GET", TOKEN_ENDPOINT, fixture.form(),
                List.of(fixture.tokenProof()));

        assertRejected(request, OAuthErrorCode.INVALID_REQUEST, "POST");
    }

    @Test
    void missingProofRejected() {
        TokenExchangeRequest request = new TokenExchangeRequest("POST", TOKEN_ENDPOINT, fixture.form(), List.of());

        assertRejected(request, OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP proof is missing (expected: one DPoP header)");
    }

    @Test
    void twoProofsRejected() {
        TokenExchangeRequest request = new TokenExchangeRequest("POST", TOKEN_ENDPOINT, fixture.form(),
                List.of(fixture.tokenProof(), fixture.tokenProof()));

        assertRejected(request, OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP header is given 2 times (expected: exactly one)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokenProofs")
    void badProofRejected(String name, ProofMaker maker) throws Exception {
        TokenExchangeRequest request = new TokenExchangeRequest("POST", TOKEN_ENDPOINT, fixture.form(),
                List.of(maker.make(fixture)));

        assertRejected(request, OAuthErrorCode.INVALID_DPOP_PROOF, "");
    }

    interface ProofMaker {
        String make(Fixture fixture) throws Exception;
    }

    static Stream<Arguments> badTokenProofs() {
        return Stream.of(
                arguments("htm GET", (ProofMaker) f -> Fixture.proof(f.proofKey, "GET", TOKEN_ENDPOINT.toString(),
                        f.now, null)),
                arguments("htm lower case", (ProofMaker) f -> Fixture.proof(f.proofKey, "post",
                        TOKEN_ENDPOINT.toString(), f.now, null)),
                arguments("htu other path", (ProofMaker) f -> Fixture.proof(f.proofKey, "POST",
                        ORIGIN + "/oauth2/token2", f.now, null)),
                arguments("htu https", (ProofMaker) f -> Fixture.proof(f.proofKey, "POST",
                        "https://127.0.0.1:8080/oauth2/token", f.now, null)),
                arguments("htu trailing slash", (ProofMaker) f -> Fixture.proof(f.proofKey, "POST",
                        ORIGIN + "/oauth2/token/", f.now, null)),
                arguments("htu path case", (ProofMaker) f -> Fixture.proof(f.proofKey, "POST",
                        ORIGIN + "/OAUTH2/token", f.now, null)),
                arguments("htu other port", (ProofMaker) f -> Fixture.proof(f.proofKey, "POST",
                        "http://127.0.0.1/oauth2/token", f.now, null)),
                arguments("htu other host", (ProofMaker) f -> Fixture.proof(f.proofKey, "POST",
                        "http://localhost:8080/oauth2/token", f.now, null)),
                arguments("htu unparseable", (ProofMaker) f -> Fixture.proof(f.proofKey, "POST",
                        "http://127.0.0.1:8080:1/oauth2/token", f.now, null)),
                arguments("iat too old", (ProofMaker) f -> Fixture.proof(f.proofKey, "POST",
                        TOKEN_ENDPOINT.toString(), f.now.minusSeconds(120), null)),
                arguments("iat in future", (ProofMaker) f -> Fixture.proof(f.proofKey, "POST",
                        TOKEN_ENDPOINT.toString(), f.now.plusSeconds(30), null)),
                arguments("private jwk", (ProofMaker) f -> privateJwkProof(f)),
                arguments("RSA 1024", (ProofMaker) f -> rsaProof(f, 1024)),
                arguments("not a JWT", (ProofMaker) f -> "not-a-proof"),
                arguments("alg none", (ProofMaker) f -> unsecuredProof(f, "none")),
                arguments("alg NONE", (ProofMaker) f -> unsecuredProof(f, "NONE")),
                arguments("no jwk", (ProofMaker) f -> Fixture.sign(f.proofKey, new JOSEObjectType("dpop+jwt"),
                        Fixture.proofClaims("POST", TOKEN_ENDPOINT.toString(), f.now, null).build())),
                arguments("typ JWT", (ProofMaker) f -> Fixture.sign(new JWSHeader.Builder(JWSAlgorithm.ES256)
                        .type(JOSEObjectType.JWT).jwk(f.proofKey.toPublicJWK()).build(),
                        Fixture.proofClaims("POST", TOKEN_ENDPOINT.toString(), f.now, null).build(), f.proofKey)));
    }

    private static String unsecuredProof(Fixture fixture, String algorithm) {
        String header = "{\"alg\":\"" + algorithm + "\",\"typ\":\"dpop+jwt\",\"jwk\":"
                + fixture.proofKey.toPublicJWK().toJSONString() + "}";
        String payload = Fixture.proofClaims("POST", TOKEN_ENDPOINT.toString(), fixture.now, null).build().toString();
        return Fixture.b64(header) + "." + Fixture.b64(payload) + ".AAAA";
    }

    private static String privateJwkProof(Fixture fixture) {
        String header = "{\"alg\":\"ES256\",\"typ\":\"dpop+jwt\",\"jwk\":" + fixture.proofKey.toJSONString() + "}";
        String payload = Fixture.proofClaims("POST", TOKEN_ENDPOINT.toString(), fixture.now, null).build().toString();
        return Fixture.signRaw(header, payload, fixture.proofKey);
    }

    private static String rsaProof(Fixture fixture, int bits) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        KeyPair pair = generator.generateKeyPair();
        RSAKey key = new RSAKey.Builder((RSAPublicKey) pair.getPublic()).build();
        // Signed with the JDK directly, because Nimbus refuses to sign with RSA keys under 2048 bits.
        String input = Fixture.proofHeader(key, JWSAlgorithm.RS256).toBase64URL() + "."
                + Fixture.b64(Fixture.proofClaims("POST", TOKEN_ENDPOINT.toString(), fixture.now, null).build()
                        .toString());
        Signature signature = Signature.getInstance("SHA256withRSA");
        signature.initSign(pair.getPrivate());
        signature.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + Base64URL.encode(signature.sign());
    }

    /** Proof {@code htu} values equal to the token endpoint's URI after RFC 3986 normalization. */
    @ParameterizedTest
    @ValueSource(strings = {"HTTP://127.0.0.1:8080/oauth2/token", "http://127.0.0.1:8080/oauth2/./token",
        "http://127.0.0.1:8080/oauth2/x/../token", "http://127.0.0.1:8080/%6Fauth2/token",
        "http://127.0.0.1:8080/oauth2/token?grant_type=x", "http://127.0.0.1:8080/oauth2/token#f"})
    void equivalentHtuAccepted(String htu) throws Exception {
        TokenExchangeRequest request = new TokenExchangeRequest("POST", TOKEN_ENDPOINT, fixture.form(),
                List.of(Fixture.proof(fixture.proofKey, "POST", htu, fixture.now, null)));

        assertThat(fixture.exchange().exchange(request).tool()).isEqualTo("ops");
    }

    @Test
    void rsa2048ProofAccepted() throws Exception {
        TokenExchangeRequest request = new TokenExchangeRequest("POST", TOKEN_ENDPOINT, fixture.form(),
                List.of(rsaProof(fixture, 2048)));

        assertThat(fixture.exchange().exchange(request).tool()).isEqualTo("ops");
    }

    @Test
    void mayActMismatchRejected() {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(subjectWith(claims -> claims.claim("may_act",
                Map.of("sub", "agent-9", "iss", AGENT_IDP)))));

        assertRejected(fixture.request(form), OAuthErrorCode.INVALID_REQUEST,
                "subject token does not allow this actor");
    }

    @Test
    void mayActIssuerMismatchRejected() {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(subjectWith(claims -> claims.claim("may_act",
                Map.of("sub", "agent-7", "iss", IDP)))));

        assertRejected(fixture.request(form), OAuthErrorCode.INVALID_REQUEST,
                "subject token does not allow this actor");
    }

    @Test
    void groupsOfWrongTypeRejected() {
        for (Object groups : List.of("oncall", List.of(1, 2), Map.of("a", "b"))) {
            Map<String, List<String>> form = fixture.form();
            form.put("subject_token", List.of(subjectWith(claims -> claims.claim("groups", groups))));

            assertRejected(fixture.request(form), OAuthErrorCode.INVALID_REQUEST, "groups");
        }
    }

    @Test
    void amrOfWrongTypeRejected() {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(subjectWith(claims -> claims.claim("amr", "hwk"))));

        assertRejected(fixture.request(form), OAuthErrorCode.INVALID_REQUEST, "amr");
    }

    static Stream<Arguments> controlCharacterClaims() {
        return Stream.of(
                arguments("sub LF", "sub", "alice\nbob", "U+000A"),
                arguments("sub CR", "sub", "alice\r", "U+000D"),
                arguments("sub NUL", "sub", "al\u0000ice", "U+0000"),
                arguments("sub NEL", "sub", "alice\u0085", "U+0085"),
                arguments("sub line separator", "sub", "alice\u2028x", "U+2028"),
                arguments("sub paragraph separator", "sub", "alice\u2029x", "U+2029"),
                arguments("groups LF", "groups", List.of("sre", "oncall\nadmins"), "U+000A"),
                arguments("amr DEL", "amr", List.of("hwk\u007f"), "U+007F"),
                arguments("acr CR", "acr", "phr\r\nX: y", "U+000D"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("controlCharacterClaims")
    void subjectControlCharacterRejected(String name, String claim, Object value, String described) {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(subjectWith(claims -> claims.claim(claim, value))));

        assertRejected(fixture.request(form), OAuthErrorCode.INVALID_REQUEST,
                "subject token rejected: " + claim + " contains control character " + described);
    }

    @Test
    void actorControlCharacterRejected() {
        Map<String, List<String>> form = fixture.form();
        form.put("actor_token", List.of(Fixture.sign(fixture.agentIdpKey, JOSEObjectType.JWT,
                fixture.actorClaims().subject("agent-7\r\nTxn-Token: forged").build())));

        assertRejected(fixture.request(form), OAuthErrorCode.INVALID_REQUEST,
                "actor token rejected: sub contains control character U+000D");
    }

    @Test
    void invalidActorTokenRejected() {
        Map<String, List<String>> form = fixture.form();
        form.put("actor_token", List.of(Fixture.sign(fixture.idpKey, JOSEObjectType.JWT,
                fixture.actorClaims().build())));

        assertRejected(fixture.request(form), OAuthErrorCode.INVALID_REQUEST, "actor token rejected");
    }

    @Test
    void capabilityTokenAsSubjectTokenRejected() throws Exception {
        String capability = fixture.issueCapabilityToken();
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(capability));

        assertRejected(fixture.request(form), OAuthErrorCode.INVALID_REQUEST, "is this gateway");
    }

    @Test
    void descriptionNeverEchoesToken() {
        Map<String, List<String>> form = fixture.form();
        String expired = subjectWith(claims -> claims.expirationTime(Date.from(fixture.now.minusSeconds(600))));
        form.put("subject_token", List.of(expired));

        assertThatThrownBy(() -> fixture.exchange().exchange(fixture.request(form)))
                .isInstanceOf(OAuthException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(expired.substring(0, 20)));
    }

    private String subjectWith(Consumer<JWTClaimsSet.Builder> change) {
        JWTClaimsSet.Builder claims = fixture.subjectClaims();
        change.accept(claims);
        return Fixture.sign(fixture.idpKey, JOSEObjectType.JWT, claims.build());
    }

    private void assertRejected(TokenExchangeRequest request, OAuthErrorCode code, String described) {
        assertThatThrownBy(() -> fixture.exchange().exchange(request))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
                    assertThat(e.description()).contains(described);
                });
    }

}
