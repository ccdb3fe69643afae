package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.OPS_QUEUES;
import static dev.agentgateway.token.Fixture.TOKEN_ENDPOINT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * DPoP proofs whose {@code jwk} header carries private or secret key members. Each is rejected as
 * {@code invalid_dpop_proof} at a resource and at the token endpoint, and the key material appears neither in the
 * error nor in any log line, at every log level.
 */
class PrivateProofKeyTest {

    static RSAKey rsaKey;
    static ECKey ecKey;
    static OctetSequenceKey octKey;

    @TempDir
    Path directory;

    Fixture fixture;
    ListAppender<ILoggingEvent> logs;
    Logger root;
    Level rootLevel;

    @BeforeAll
    static void generateKeys() throws Exception {
        rsaKey = new RSAKeyGenerator(2048).generate();
        ecKey = Fixture.ecKey(null);
        octKey = new OctetSequenceKeyGenerator(256).generate();
    }

    @BeforeEach
    void setUp() throws Exception {
        fixture = new Fixture(directory);
        root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        rootLevel = root.getLevel();
        root.setLevel(Level.TRACE);
        logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        root.detachAppender(logs);
        root.setLevel(rootLevel);
    }

    /** A proof header key: its JSON members, the algorithm and the secret values that must not leak. */
    record HeaderKey(Map<String, Object> jwk, JWSAlgorithm algorithm, List<String> secrets) {
    }

    static Stream<Arguments> privateKeys() {
        Map<String, Object> rsa = rsaKey.toJSONObject();
        List<Arguments> cases = new ArrayList<>();
        cases.add(arguments("EC with d", new HeaderKey(ecKey.toJSONObject(), JWSAlgorithm.ES256,
                List.of(ecKey.getD().toString()))));
        cases.add(arguments("RSA complete", new HeaderKey(rsa, JWSAlgorithm.RS256, List.of(
                rsaKey.getPrivateExponent().toString(), rsaKey.getFirstPrimeFactor().toString(),
                rsaKey.getSecondPrimeFactor().toString(), rsaKey.getFirstFactorCRTExponent().toString(),
                rsaKey.getSecondFactorCRTExponent().toString(), rsaKey.getFirstCRTCoefficient().toString()))));
        for (String member : List.of("d", "p", "q", "dp", "dq", "qi")) {
            cases.add(arguments("RSA with only " + member, new HeaderKey(publicPlus(rsaKey.toPublicJWK()
                    .toJSONObject(), member, rsa.get(member)), JWSAlgorithm.RS256, List.of((String) rsa.get(member)))));
        }
        cases.add(arguments("RSA with oth", new HeaderKey(publicPlus(rsaKey.toPublicJWK().toJSONObject(), "oth",
                List.of(Map.of("r", rsa.get("p"), "d", rsa.get("dp"), "t", rsa.get("qi")))), JWSAlgorithm.RS256,
                List.of((String) rsa.get("p")))));
        cases.add(arguments("oct with k", new HeaderKey(octKey.toJSONObject(), JWSAlgorithm.HS256,
                List.of(octKey.getKeyValue().toString()))));
        cases.add(arguments("oct with k and ES256", new HeaderKey(octKey.toJSONObject(), JWSAlgorithm.ES256,
                List.of(octKey.getKeyValue().toString()))));
        cases.add(arguments("EC public with k", new HeaderKey(publicPlus(ecKey.toPublicJWK().toJSONObject(), "k",
                octKey.getKeyValue().toString()), JWSAlgorithm.ES256, List.of(octKey.getKeyValue().toString()))));
        cases.add(arguments("EC public with d", new HeaderKey(publicPlus(ecKey.toPublicJWK().toJSONObject(), "d",
                ecKey.getD().toString()), JWSAlgorithm.ES256, List.of(ecKey.getD().toString()))));
        return cases.stream();
    }

    private static Map<String, Object> publicPlus(Map<String, Object> publicJwk, String member, Object value) {
        Map<String, Object> jwk = new LinkedHashMap<>(publicJwk);
        jwk.put(member, value);
        return jwk;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("privateKeys")
    void rejectedAtResource(String name, HeaderKey key) throws Exception {
        String token = fixture.issueCapabilityToken();
        String proof = proof(key, "GET", OPS_QUEUES.toString(), token);

        OAuthException error = DPoPNonceTest.catchOAuth(() -> fixture.authenticate(token, proof));

        assertRejectedWithoutLeak(error, key);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("privateKeys")
    void rejectedAtTokenEndpoint(String name, HeaderKey key) throws Exception {
        String proof = proof(key, "POST", TOKEN_ENDPOINT.toString(), null);

        OAuthException error = DPoPNonceTest.catchOAuth(() -> fixture.exchange().exchange(new TokenExchangeRequest(
                "POST", TOKEN_ENDPOINT, fixture.form(), List.of(proof))));

        assertRejectedWithoutLeak(error, key);
    }

    private void assertRejectedWithoutLeak(OAuthException error, HeaderKey key) {
        assertThat(error.code()).as(error.getMessage()).isEqualTo(OAuthErrorCode.INVALID_DPOP_PROOF);
        for (String secret : key.secrets()) {
            for (Throwable cause = error; cause != null; cause = cause.getCause()) {
                assertThat(String.valueOf(cause.getMessage())).as("exception message").doesNotContain(secret);
            }
            for (ILoggingEvent event : logs.list) {
                assertThat(event.getFormattedMessage()).as("log message").doesNotContain(secret);
                for (IThrowableProxy thrown = event.getThrowableProxy(); thrown != null; thrown = thrown.getCause()) {
                    assertThat(String.valueOf(thrown.getMessage())).as("logged exception").doesNotContain(secret);
                }
            }
        }
    }

    /** Signs a proof whose header contains {@code key}'s members as they are, with the matching private key. */
    private String proof(HeaderKey key, String method, String uri, String accessToken) throws Exception {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", key.algorithm().getName());
        header.put("typ", "dpop+jwt");
        header.put("jwk", key.jwk());
        String input = Fixture.b64(HostileTokens.json(header)) + "." + Fixture.b64(HostileTokens.json(
                HostileTokens.payload(Fixture.proofClaims(method, uri, fixture.now, accessToken).build())));
        byte[] signingInput = input.getBytes(StandardCharsets.US_ASCII);
        JWSHeader signerHeader = new JWSHeader(key.algorithm());
        Base64URL signature;
        if (key.algorithm().equals(JWSAlgorithm.RS256)) {
            signature = new RSASSASigner(rsaKey).sign(signerHeader, signingInput);
        } else if (key.algorithm().equals(JWSAlgorithm.HS256)) {
            signature = new MACSigner(octKey).sign(signerHeader, signingInput);
        } else {
            signature = new com.nimbusds.jose.crypto.ECDSASigner(ecKey).sign(signerHeader, signingInput);
        }
        return input + "." + signature;
    }
}
