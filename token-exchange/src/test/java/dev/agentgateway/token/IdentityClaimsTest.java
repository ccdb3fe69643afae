package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.AGENT_IDP;
import static dev.agentgateway.token.Fixture.IDP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Identity claims of subject, actor and capability tokens: JSON null, unpaired surrogates, invisible formatting
 * characters, blank or padded identifiers and malformed {@code may_act}. Subject and actor tokens are rejected at
 * the token endpoint with invalid_request, capability tokens at the proxy with invalid_token.
 */
class IdentityClaimsTest {

    /** Placeholders for lone surrogates. The payload text gets JSON escapes instead, which Jackson cannot write. */
    private static final String LONE_SURROGATE = "\uE000";
    private static final String LONE_LOW_SURROGATE = "\uE001";

    @TempDir
    Path directory;

    Fixture fixture;
    ECKey gatewayKey;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new Fixture(directory);
        gatewayKey = JWKSet.parse(Files.readString(fixture.signingKeyFile)).getKeys().get(0).toECKey();
    }

    // Token construction.

    private static String raw(ECKey key, String type, Map<String, Object> payload) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "ES256");
        header.put("typ", type);
        header.put("kid", key.getKeyID());
        String json = HostileTokens.json(payload).replace(LONE_SURROGATE, "\\ud800")
                .replace(LONE_LOW_SURROGATE, "\\udc00");
        return Fixture.signRaw(HostileTokens.json(header), json, key);
    }

    private String subject(Consumer<Map<String, Object>> change) {
        Map<String, Object> payload = HostileTokens.payload(fixture.subjectClaims().build());
        change.accept(payload);
        return raw(fixture.idpKey, "JWT", payload);
    }

    private String actor(Consumer<Map<String, Object>> change) {
        Map<String, Object> payload = HostileTokens.payload(fixture.actorClaims().build());
        change.accept(payload);
        return raw(fixture.agentIdpKey, "JWT", payload);
    }

    private String capability(Consumer<Map<String, Object>> change) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(Fixture.ORIGIN)
                .subject("alice")
                .audience("ops")
                .issueTime(Date.from(fixture.now))
                .expirationTime(Date.from(fixture.now.plusSeconds(300)))
                .jwtID(UUID.randomUUID().toString())
                .claim("cnf", Map.of("jkt", fixture.proofKey.computeThumbprint().toString()))
                .claim("scope", "ops.read")
                .claim("subject_issuer", IDP)
                .claim("principal_class", "operator")
                .claim("groups", List.of("oncall"))
                .claim("amr", List.of("hwk"))
                .claim("acr", "phr")
                .claim("auth_time", fixture.now.minusSeconds(60).getEpochSecond())
                .claim("act", Map.of("sub", "agent-7", "iss", AGENT_IDP))
                .build();
        Map<String, Object> payload = HostileTokens.payload(claims);
        change.accept(payload);
        return raw(gatewayKey, "at+jwt", payload);
    }

    private static Consumer<Map<String, Object>> put(String claim, Object value) {
        return payload -> payload.put(claim, value);
    }

    // Calls.

    private TokenExchangeResult exchange(String subjectToken, String actorToken) throws OAuthException {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(subjectToken));
        form.put("actor_token", List.of(actorToken));
        return fixture.exchange().exchange(fixture.request(form));
    }

    private void assertExchangeRejected(String subjectToken, String actorToken, String described) {
        assertThatThrownBy(() -> exchange(subjectToken, actorToken))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).as(e.getMessage()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
                    assertThat(e.description()).contains(described);
                });
    }

    private void assertProxyRejected(String token, String described) {
        assertThatThrownBy(() -> fixture.authenticate(token, fixture.resourceProof("GET", Fixture.OPS_QUEUES, token)))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).as(e.getMessage()).isEqualTo(OAuthErrorCode.INVALID_TOKEN);
                    assertThat(e.description()).contains(described);
                });
    }

    // JSON null.

    @ParameterizedTest
    @ValueSource(strings = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "auth_time", "azp", "acr", "amr",
            "groups", "may_act"})
    void subjectNullClaimRejected(String claim) {
        assertExchangeRejected(subject(put(claim, null)), fixture.actorToken(),
                "subject token rejected: " + claim + " is null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})
    void actorNullClaimRejected(String claim) {
        assertExchangeRejected(fixture.subjectToken(), actor(put(claim, null)),
                "actor token rejected: " + claim + " is null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf", "act", "scope", "subject_issuer",
            "principal_class", "groups", "amr", "acr", "auth_time", "client_id"})
    void capabilityNullClaimRejected(String claim) throws Exception {
        assertProxyRejected(capability(put(claim, null)), "access token rejected: " + claim + " is null");
    }

    @Test
    void capabilityNullMembersRejected() throws Exception {
        Map<String, Object> act = new LinkedHashMap<>();
        act.put("sub", null);
        act.put("iss", AGENT_IDP);
        assertProxyRejected(capability(put("act", act)), "act.sub missing");
        Map<String, Object> cnf = new LinkedHashMap<>();
        cnf.put("jkt", null);
        assertProxyRejected(capability(put("cnf", cnf)), "cnf.jkt missing");
    }

    @Test
    void validTokensAccepted() throws Exception {
        assertThat(exchange(subject(payload -> { }), actor(payload -> { })).principal().subject())
                .isEqualTo("alice");
        String token = capability(payload -> { });
        assertThat(fixture.authenticate(token, fixture.resourceProof("GET", Fixture.OPS_QUEUES, token)).actor()
                .subject()).isEqualTo("agent-7");
    }

    // Unpaired surrogates and invisible formatting characters.

    @Test
    void unpairedSurrogateRejectedAtTokenEndpoint() {
        String lone = "a" + LONE_SURROGATE + "b";
        String described = "contains unpaired surrogate U+D800 at index 1";
        assertExchangeRejected(subject(put("sub", lone)), fixture.actorToken(), "sub " + described);
        assertExchangeRejected(subject(put("groups", List.of("sre", lone))), fixture.actorToken(),
                "groups " + described);
        assertExchangeRejected(subject(put("amr", List.of(lone))), fixture.actorToken(), "amr " + described);
        assertExchangeRejected(subject(put("acr", lone)), fixture.actorToken(), "acr " + described);
        assertExchangeRejected(subject(put("azp", lone)), fixture.actorToken(), "azp " + described);
        assertExchangeRejected(fixture.subjectToken(), actor(put("sub", lone)),
                "actor token rejected: sub " + described);
    }

    @Test
    void unpairedSurrogateRejectedAtProxy() throws Exception {
        String lone = "a" + LONE_SURROGATE + "b";
        String described = "contains unpaired surrogate U+D800 at index 1";
        assertProxyRejected(capability(put("sub", lone)), "sub " + described);
        assertProxyRejected(capability(put("groups", List.of(lone))), "groups " + described);
        assertProxyRejected(capability(put("amr", List.of(lone))), "amr " + described);
        assertProxyRejected(capability(put("acr", lone)), "acr " + described);
        assertProxyRejected(capability(put("act", Map.of("sub", lone, "iss", AGENT_IDP))), "act.sub " + described);
    }

    @Test
    void lowSurrogateFirstRejected() {
        assertExchangeRejected(subject(put("sub", "a" + LONE_LOW_SURROGATE)), fixture.actorToken(),
                "unpaired surrogate U+DC00 at index 1");
    }

    @Test
    void surrogatePairAccepted() throws Exception {
        String subject = "ali\uD83D\uDE00ce";

        assertThat(exchange(subject(put("sub", subject)), fixture.actorToken()).principal().subject())
                .isEqualTo(subject);
    }

    @ParameterizedTest
    @ValueSource(chars = {'\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D',
            '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\uFEFF'})
    void invisibleFormattingRejected(char c) throws Exception {
        String value = "ali" + c + "ce";
        String described = String.format("contains invisible formatting character U+%04X at index 3", (int) c);
        assertExchangeRejected(subject(put("sub", value)), fixture.actorToken(), "sub " + described);
        assertExchangeRejected(subject(put("groups", List.of(value))), fixture.actorToken(), "groups " + described);
        assertExchangeRejected(fixture.subjectToken(), actor(put("sub", value)), "sub " + described);
        assertProxyRejected(capability(put("sub", value)), "sub " + described);
        assertProxyRejected(capability(put("amr", List.of(value))), "amr " + described);
    }

    // Blank and padded identifiers.

    @ParameterizedTest
    @ValueSource(strings = {" ", "   ", "\u00A0", "\u3000"})
    void blankSubjectRejected(String sub) throws Exception {
        assertExchangeRejected(subject(put("sub", sub)), fixture.actorToken(), "sub " + "\"" + sub + "\" is blank");
        assertExchangeRejected(fixture.subjectToken(), actor(put("sub", sub)), "is blank");
        assertProxyRejected(capability(put("sub", sub)), "is blank");
        assertProxyRejected(capability(put("act", Map.of("sub", sub, "iss", AGENT_IDP))), "act.sub");
    }

    @ParameterizedTest
    @ValueSource(strings = {" alice", "alice ", "alice\u00A0", "\u2003alice"})
    void paddedSubjectRejected(String sub) throws Exception {
        assertExchangeRejected(subject(put("sub", sub)), fixture.actorToken(), "has leading or trailing whitespace");
        assertExchangeRejected(fixture.subjectToken(), actor(put("sub", sub)), "has leading or trailing whitespace");
        assertProxyRejected(capability(put("sub", sub)), "has leading or trailing whitespace");
    }

    @ParameterizedTest
    @ValueSource(strings = {" ", " " + IDP, IDP + " "})
    void blankOrPaddedIssuerRejected(String iss) throws Exception {
        assertExchangeRejected(subject(put("iss", iss)), fixture.actorToken(), "iss");
        assertProxyRejected(capability(put("subject_issuer", iss)), "subject_issuer");
        assertProxyRejected(capability(put("act", Map.of("sub", "agent-7", "iss", iss))), "act.iss");
    }

    // may_act.

    @Test
    void mayActNullRejected() {
        assertExchangeRejected(subject(put("may_act", null)), fixture.actorToken(), "may_act is null");
    }

    @Test
    void mayActNullRejectedWithoutActorToken() {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(subject(put("may_act", null))));
        form.remove("actor_token");
        form.remove("actor_token_type");

        assertThatThrownBy(() -> fixture.exchange().exchange(fixture.request(form)))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
                    assertThat(e.description()).contains("may_act is null");
                });
    }

    @Test
    void mayActOfWrongTypeRejected() {
        for (Object mayAct : List.of("agent-7", List.of(Map.of("sub", "agent-7")), 7, true)) {
            assertExchangeRejected(subject(put("may_act", mayAct)), fixture.actorToken(),
                    "may_act has the wrong type (expected: a JSON object)");
        }
    }
}
