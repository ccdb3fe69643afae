package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.IDP;
import static dev.agentgateway.token.Fixture.OPS_QUEUES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.policy.Principal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each token kind has its own {@code typ} and its own verifier (RFC 8725 §3.11), so a token of one kind never passes
 * where another is expected, even when it is correctly signed by a trusted key.
 */
class TokenKindConfusionTest {

    @TempDir
    Path directory;

    Fixture fixture;
    ECKey gatewayKey;
    String capability;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new Fixture(directory);
        gatewayKey = JWKSet.parse(Files.readString(fixture.signingKeyFile)).getKeys().get(0).toECKey();
        capability = fixture.issueCapabilityToken();
    }

    /** Source of a correctly signed token of some kind. */
    interface Token {
        String create(TokenKindConfusionTest test) throws Exception;
    }

    static Stream<Arguments> foreignTokens() {
        return Stream.of(
                arguments("DPoP proof", (Token) t -> t.fixture.resourceProof("GET", OPS_QUEUES, t.capability)),
                arguments("ID token", (Token) t -> t.fixture.subjectToken()),
                arguments("actor token", (Token) t -> t.fixture.actorToken()),
                arguments("Txn-Token", (Token) t -> t.fixture.services.txnTokens().issue(new Principal(IDP, "alice",
                        Set.of(), null, Set.of(), null), null, Set.of("ops.read"), "txn-1", "ops")),
                arguments("gateway-signed typ JWT", (Token) t -> t.capabilityTyped("JWT")),
                arguments("gateway-signed typ jwt", (Token) t -> t.capabilityTyped("jwt")),
                arguments("gateway-signed typ txntoken+jwt", (Token) t -> t.capabilityTyped("txntoken+jwt")),
                arguments("gateway-signed typ dpop+jwt", (Token) t -> t.capabilityTyped("dpop+jwt")),
                arguments("gateway-signed typ AT+JWT", (Token) t -> t.capabilityTyped("AT+JWT")),
                arguments("gateway-signed typ application/AT+JWT", (Token) t -> t.capabilityTyped(
                        "application/AT+JWT")),
                arguments("gateway-signed typ at+jwt with space", (Token) t -> t.capabilityTyped("at+jwt ")),
                arguments("gateway-signed without typ", (Token) t -> t.capabilityTyped(null)));
    }

    /** Re-signs the issued capability token's claims with the gateway key under another {@code typ}. */
    String capabilityTyped(String type) throws Exception {
        JWTClaimsSet claims = SignedJWT.parse(capability).getJWTClaimsSet();
        JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(gatewayKey.getKeyID());
        if (type != null) {
            header.type(new JOSEObjectType(type));
        }
        return Fixture.sign(header.build(), claims, gatewayKey);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("foreignTokens")
    void foreignTokenAsCapabilityRejected(String name, Token token) throws Exception {
        String jwt = token.create(this);

        assertThatThrownBy(() -> fixture.authenticate(jwt, fixture.resourceProof("GET", OPS_QUEUES, jwt)))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.code()).as(e.getMessage())
                        .isEqualTo(OAuthErrorCode.INVALID_TOKEN));
    }

    /** RFC 9068 §4 names both {@code at+jwt} and {@code application/at+jwt}. */
    @ParameterizedTest
    @ValueSource(strings = {"at+jwt", "application/at+jwt"})
    void capabilityTypAccepted(String type) throws Exception {
        String jwt = capabilityTyped(type);

        assertThat(fixture.authenticate(jwt, fixture.resourceProof("GET", OPS_QUEUES, jwt)).scopes())
                .containsExactly("ops.read");
    }

    @ParameterizedTest
    @ValueSource(strings = {"subject_token", "actor_token"})
    void capabilityAsIdentityTokenRejected(String parameter) throws Exception {
        Map<String, List<String>> form = fixture.form();
        form.put(parameter, List.of(capability));

        assertThatThrownBy(() -> fixture.exchange().exchange(fixture.request(form)))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
                    assertThat(e.description()).contains("is this gateway");
                });
    }

    @Test
    void capabilityAsProofRejected() {
        assertThatThrownBy(() -> fixture.authenticate(capability, capability))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.code())
                        .isEqualTo(OAuthErrorCode.INVALID_DPOP_PROOF));
        assertThatThrownBy(() -> fixture.exchange().exchange(new TokenExchangeRequest("POST",
                Fixture.TOKEN_ENDPOINT, fixture.form(), List.of(capability))))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.code())
                        .isEqualTo(OAuthErrorCode.INVALID_DPOP_PROOF));
    }

    @Test
    void identityTokenAsProofRejected() {
        assertThatThrownBy(() -> fixture.authenticate(capability, fixture.subjectToken()))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.code())
                        .isEqualTo(OAuthErrorCode.INVALID_DPOP_PROOF));
    }

    /** Rejects a proof whose header and claims are complete but whose {@code typ} is another kind's. */
    @ParameterizedTest
    @ValueSource(strings = {"JWT", "at+jwt", "txntoken+jwt", "application/dpop+jwt", "dpop+jwt+x"})
    void proofWithForeignTypRejected(String type) {
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType(type))
                .jwk(fixture.proofKey.toPublicJWK()).build();
        String proof = Fixture.sign(header, Fixture.proofClaims("GET", OPS_QUEUES.toString(), fixture.now,
                capability).build(), fixture.proofKey);

        assertThatThrownBy(() -> fixture.authenticate(capability, proof))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.code())
                        .isEqualTo(OAuthErrorCode.INVALID_DPOP_PROOF));
    }

    /** oauth2-oidc-sdk compares the proof {@code typ} as a media type, ignoring letter case. */
    @Test
    void proofTypCaseIgnored() throws Exception {
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("DPoP+JWT"))
                .jwk(fixture.proofKey.toPublicJWK()).build();
        String proof = Fixture.sign(header, Fixture.proofClaims("GET", OPS_QUEUES.toString(), fixture.now,
                capability).build(), fixture.proofKey);

        assertThat(fixture.authenticate(capability, proof).tokenId()).isNotNull();
    }

    /**
     * Identity providers' tokens are checked against the configured {@code typ} values (here {@code JWT} and none)
     * as media types: letter case ignored and the {@code application/} prefix optional (RFC 7515 §4.1.9).
     */
    @ParameterizedTest
    @ValueSource(strings = {"JWT", "jwt", "application/JWT", "application/jwt"})
    void subjectTypAsMediaTypeAccepted(String type) throws Exception {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(Fixture.sign(fixture.idpKey, new JOSEObjectType(type),
                fixture.subjectClaims().build())));

        assertThat(fixture.exchange().exchange(fixture.request(form)).principal().subject()).isEqualTo("alice");
    }

    @ParameterizedTest
    @ValueSource(strings = {"at+jwt", "application/at+jwt", "dpop+jwt", "txntoken+jwt", "JWT+x", "text/JWT"})
    void subjectWithForeignTypRejected(String type) {
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(Fixture.sign(fixture.idpKey, new JOSEObjectType(type),
                fixture.subjectClaims().build())));

        assertThatThrownBy(() -> fixture.exchange().exchange(fixture.request(form)))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
                    assertThat(e.description()).contains("typ");
                });
    }
}
