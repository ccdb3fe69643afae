package dev.agentgateway.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.token.internal.CapabilityClaims;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the claim and header checks behind the signature. Each target starts from a valid JOSE header and claims
 * set and applies fuzzed edits to both JSON objects: remove, replace or repeat a member, add one, or replace the
 * whole text. It signs the result with the real key, so the fuzzer gets past signature verification.
 *
 * <p>Edited values include hostile forms: deep nesting, numbers beyond any Java type, long strings, invalid JSON,
 * private and weak keys as {@code jwk}, and {@code alg} values such as {@code none}.
 */
@Timeout(10)
class SignedJwsFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_NESTING = 5000;
    private static final List<String> HEADER_NAMES = List.of("alg", "typ", "jwk", "kid", "crit", "b64", "jku",
            "x5u", "x5c", "cty", "zip", "enc", "p2c", "p2s", "epk", "nonce");
    private static final List<String> CLAIM_NAMES = List.of("jti", "htm", "htu", "iat", "ath", "nonce", "exp",
            "nbf", "iss", "sub", "aud", "cnf", "act", "may_act", "scope", "groups", "amr", "acr", "auth_time",
            "client_id", "sub_iss", "azp");
    private static final List<String> SCALARS = List.of("\"ES256\"", "\"none\"", "\"NONE\"", "\"HS256\"",
            "\"RS256\"", "\"PS256\"", "\"ES256K\"", "\"EdDSA\"", "\"dpop+jwt\"", "\"at+jwt\"", "\"JWT\"", "\"GET\"",
            "\"POST\"", "\"" + Fixture.TOKEN_ENDPOINT + "\"", "\"" + Fixture.OPS_QUEUES + "\"",
            "\"" + Fixture.ORIGIN + "\"", "\"" + Fixture.IDP + "\"", "\"ops\"", "\"ops.read\"", "\"agent-gateway\"",
            "\"\"", "\" \"", "\"\\u0000\"", "\"\\ud800\"", "0", "-1", "1e400", "9223372036854775808", "2147483648",
            "-9223372036854775809", "1.5", "true", "null", "[]", "{}", "[\"ops\",\"ops\"]",
            "{\"jkt\":\"\"}", "{\"sub\":\"agent-7\",\"iss\":\"" + Fixture.AGENT_IDP + "\"}",
            "[\"b64\"]", "false", "99999999");

    private static RSAKey weakRsaKey;
    private static Fixture templateFixture;
    private static SignedJWT capabilityTemplate;

    /** DPoP proofs for the token endpoint, signed with the key in their {@code jwk} header. */
    @FuzzTest
    void tokenRequestProof(FuzzedDataProvider data) {
        Fixture fixture = FuzzSupport.fixture();
        Members header = new Members();
        header.put("typ", "dpop+jwt");
        header.put("alg", "ES256");
        header.putRaw("jwk", fixture.proofKey.toPublicJWK().toJSONString());
        Members claims = new Members();
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("htm", "POST");
        claims.put("htu", Fixture.TOKEN_ENDPOINT.toString());
        claims.put("iat", fixture.now.getEpochSecond());

        String proof = sign(header, claims, data, fixture.proofKey, fixture);
        try {
            FuzzSupport.proofVerifier().verifyTokenRequest(proof, Fixture.TOKEN_ENDPOINT);
        } catch (OAuthException e) {
            FuzzSupport.checkRejection(e, Set.of(OAuthErrorCode.INVALID_DPOP_PROOF), List.of(proof));
        }
    }

    /** Capability tokens signed with the gateway's key, sent with a valid proof. */
    @FuzzTest
    void capabilityToken(FuzzedDataProvider data) throws Exception {
        Fixture fixture = FuzzSupport.fixture();
        SignedJWT template = capabilityTemplate(fixture);
        ECKey gatewayKey = JWKSet.parse(Files.readString(fixture.signingKeyFile, StandardCharsets.UTF_8)).getKeys()
                .get(0).toECKey();
        Members header = Members.of(template.getHeader().toJSONObject());
        Members claims = Members.of(template.getPayload().toJSONObject());

        String token = sign(header, claims, data, gatewayKey, fixture);
        String proof = Fixture.proof(fixture.proofKey, "GET", Fixture.OPS_QUEUES.toString(), fixture.now, token);
        try {
            VerifiedCall call = fixture.authenticator().authenticate("GET", Fixture.OPS_QUEUES, "ops",
                    List.of("DPoP " + token), List.of(proof)).orElseThrow();
            assertThat(call.tool()).isEqualTo("ops");
        } catch (OAuthException e) {
            FuzzSupport.checkRejection(e, Set.of(OAuthErrorCode.INVALID_TOKEN, OAuthErrorCode.INVALID_DPOP_PROOF),
                    List.of(token, proof));
        }
    }

    /** Subject tokens signed with the identity provider's key, exchanged with a valid actor token and proof. */
    @FuzzTest
    void subjectToken(FuzzedDataProvider data) {
        Fixture fixture = FuzzSupport.fixture();
        Members header = new Members();
        header.put("alg", "ES256");
        header.put("typ", "JWT");
        header.put("kid", fixture.idpKey.getKeyID());
        Members claims = Members.of(fixture.subjectClaims().build().toJSONObject());

        String subjectToken = sign(header, claims, data, fixture.idpKey, fixture);
        Map<String, List<String>> form = fixture.form();
        form.put("subject_token", List.of(subjectToken));
        try {
            TokenExchangeResult result = fixture.exchange().exchange(fixture.request(form));
            assertThat(result.tool()).isEqualTo("ops");
        } catch (OAuthException e) {
            FuzzSupport.checkRejection(e, Set.of(OAuthErrorCode.INVALID_REQUEST, OAuthErrorCode.INVALID_SCOPE,
                    OAuthErrorCode.INVALID_DPOP_PROOF), List.of(subjectToken));
        }
    }

    /** Returns a capability token issued by {@code fixture}, issued again whenever the fixture is rebuilt. */
    private static synchronized SignedJWT capabilityTemplate(Fixture fixture) throws Exception {
        if (fixture != templateFixture) {
            capabilityTemplate = SignedJWT.parse(fixture.issueCapabilityToken());
            templateFixture = fixture;
        }
        return capabilityTemplate;
    }

    private static String sign(Members header, Members claims, FuzzedDataProvider data, ECKey key,
            Fixture fixture) {
        String headerJson = edit(header, HEADER_NAMES, data, fixture);
        String claimsJson = edit(claims, CLAIM_NAMES, data, fixture);
        return Fixture.signRaw(headerJson, claimsJson, key);
    }

    /** Applies up to eight fuzzed edits to {@code members} and returns the JSON text. */
    private static String edit(Members members, List<String> names, FuzzedDataProvider data, Fixture fixture) {
        int edits = data.consumeInt(0, 8);
        for (int i = 0; i < edits; i++) {
            String name = data.consumeBoolean() ? data.pickValue(names) : data.consumeString(16);
            switch (data.consumeInt(0, 3)) {
                case 0 -> members.remove(name);
                case 1 -> members.replace(name, value(data, fixture, 0));
                case 2 -> members.putRaw(name, value(data, fixture, 0));
                default -> {
                    return data.consumeString(512);
                }
            }
        }
        return members.toJson();
    }

    /** Returns a fuzzed JSON value as text, which may be invalid JSON on purpose. */
    private static String value(FuzzedDataProvider data, Fixture fixture, int depth) {
        int kind = data.consumeInt(0, depth < 3 ? 11 : 6);
        return switch (kind) {
            case 0 -> json(data.consumeString(64));
            case 1 -> Long.toString(data.consumeLong());
            case 2 -> data.pickValue(SCALARS);
            case 3 -> Boolean.toString(data.consumeBoolean());
            case 4 -> data.consumeBoolean() ? "null" : Double.toString(data.consumeRegularDouble());
            case 5 -> data.consumeString(32);
            case 6 -> json("x".repeat(data.consumeInt(0, 16 * 1024)));
            case 7 -> {
                int depthOfNesting = data.consumeInt(1, MAX_NESTING);
                yield "[".repeat(depthOfNesting) + "]".repeat(depthOfNesting);
            }
            case 8 -> "1" + "0".repeat(data.consumeInt(1, 1000));
            case 9 -> key(data, fixture);
            case 10 -> {
                List<String> elements = new ArrayList<>();
                int count = data.consumeInt(0, 4);
                for (int i = 0; i < count; i++) {
                    elements.add(value(data, fixture, depth + 1));
                }
                yield "[" + String.join(",", elements) + "]";
            }
            default -> {
                Members object = new Members();
                int count = data.consumeInt(0, 4);
                for (int i = 0; i < count; i++) {
                    object.putRaw(data.consumeBoolean() ? data.pickValue(CLAIM_NAMES) : data.consumeString(8),
                            value(data, fixture, depth + 1));
                }
                yield object.toJson();
            }
        };
    }

    /** Returns a JWK as JSON: the proof key's public or private form, a weak RSA key or an unrelated P-256 key. */
    private static String key(FuzzedDataProvider data, Fixture fixture) {
        return switch (data.consumeInt(0, 3)) {
            case 0 -> fixture.proofKey.toPublicJWK().toJSONString();
            case 1 -> fixture.proofKey.toJSONString();
            case 2 -> weakRsaKey().toPublicJWK().toJSONString();
            default -> fixture.idpKey.toPublicJWK().toJSONString();
        };
    }

    /** Returns a 1024-bit RSA key, below the minimum for proof keys. */
    private static synchronized RSAKey weakRsaKey() {
        if (weakRsaKey == null) {
            try {
                weakRsaKey = new RSAKeyGenerator(1024, true).generate();
            } catch (JOSEException e) {
                throw new IllegalStateException("generating an RSA key failed", e);
            }
        }
        return weakRsaKey;
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serializing a JSON value failed", e);
        }
    }

    /** JSON object members as raw JSON text, kept in order and allowed to repeat a name. */
    private static final class Members {

        private final List<Map.Entry<String, String>> entries = new ArrayList<>();

        static Members of(Map<String, Object> object) {
            Members members = new Members();
            object.forEach((name, value) -> members.putRaw(name, json(value)));
            return members;
        }

        void put(String name, Object value) {
            putRaw(name, json(value));
        }

        void putRaw(String name, String rawValue) {
            entries.add(new SimpleEntry<>(name, rawValue));
        }

        void remove(String name) {
            entries.removeIf(entry -> entry.getKey().equals(name));
        }

        /** Replaces the first member named {@code name}, or adds it when there is none. */
        void replace(String name, String rawValue) {
            for (Map.Entry<String, String> entry : entries) {
                if (entry.getKey().equals(name)) {
                    entry.setValue(rawValue);
                    return;
                }
            }
            putRaw(name, rawValue);
        }

        String toJson() {
            StringBuilder text = new StringBuilder("{");
            for (Map.Entry<String, String> entry : entries) {
                if (text.length() > 1) {
                    text.append(',');
                }
                text.append(json(entry.getKey())).append(':').append(entry.getValue());
            }
            return text.append('}').toString();
        }
    }
}
