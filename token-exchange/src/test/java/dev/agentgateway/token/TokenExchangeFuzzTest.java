package dev.agentgateway.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link TokenExchangeService#exchange} with decoded form parameters and {@code DPoP} field values.
 *
 * <p>Input lines: the method, then {@code D:} followed by a {@code DPoP} value, or a form parameter as
 * {@code name=value} (a line without {@code =} is a parameter with an empty value). {@code $SUBJECT} and
 * {@code $ACTOR} are replaced by valid subject and actor tokens and {@code $PROOF} by a valid proof for the token
 * endpoint, so mutations of the other parameters reach the checks behind them.
 */
@Timeout(10)
class TokenExchangeFuzzTest {

    private static final Set<OAuthErrorCode> TOKEN_ENDPOINT_ERRORS = Set.of(OAuthErrorCode.INVALID_REQUEST,
            OAuthErrorCode.INVALID_GRANT, OAuthErrorCode.UNSUPPORTED_GRANT_TYPE, OAuthErrorCode.INVALID_TARGET,
            OAuthErrorCode.INVALID_SCOPE, OAuthErrorCode.INVALID_DPOP_PROOF, OAuthErrorCode.USE_DPOP_NONCE);

    @FuzzTest
    void exchange(byte[] input) {
        exchanged(input);
    }

    /** Runs one input and returns whether a capability token was issued. */
    static boolean exchanged(byte[] input) {
        List<String> lines = FuzzSupport.lines(input, FuzzSupport.MAX_FORM_BODY, StandardCharsets.UTF_8);
        if (lines == null) {
            return false;
        }
        Fixture fixture = FuzzSupport.fixture();
        String method = FuzzSupport.line(lines, 0);
        Map<String, List<String>> form = new LinkedHashMap<>();
        List<String> proofs = new ArrayList<>();
        List<String> credentials = new ArrayList<>();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            if (line.startsWith("D:")) {
                String proof = line.substring(2);
                if (proof.contains("$PROOF")) {
                    proof = proof.replace("$PROOF", fixture.tokenProof());
                }
                proofs.add(proof);
                credentials.add(proof);
                continue;
            }
            int equals = line.indexOf('=');
            String name = equals < 0 ? line : line.substring(0, equals);
            String value = equals < 0 ? "" : substitute(line.substring(equals + 1), fixture);
            form.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
            if (name.endsWith("_token")) {
                credentials.add(value);
            }
        }

        try {
            TokenExchangeResult result = fixture.exchange().exchange(new TokenExchangeRequest(method,
                    Fixture.TOKEN_ENDPOINT, form, proofs));
            assertThat(result.responseJson()).contains("\"token_type\":\"DPoP\"");
            return true;
        } catch (OAuthException e) {
            FuzzSupport.checkRejection(e, TOKEN_ENDPOINT_ERRORS, credentials);
            return false;
        }
    }

    private static String substitute(String value, Fixture fixture) {
        String result = value;
        if (result.contains("$SUBJECT")) {
            result = result.replace("$SUBJECT", fixture.subjectToken());
        }
        if (result.contains("$ACTOR")) {
            result = result.replace("$ACTOR", fixture.actorToken());
        }
        return result;
    }
}
