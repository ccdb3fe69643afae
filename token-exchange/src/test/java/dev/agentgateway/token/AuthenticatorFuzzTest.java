package dev.agentgateway.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link AccessTokenAuthenticator#authenticate} with the {@code Authorization} and {@code DPoP} field values
 * of a request.
 *
 * <p>Input lines: method, path and query (appended to the public origin), the route's tool, then one line per
 * field value, {@code A:} followed by an {@code Authorization} value or {@code D:} followed by a {@code DPoP} value.
 * In a value, {@code $TOKEN} is replaced by a capability token for tool {@code ops} and {@code $PROOF} by a valid
 * proof for that token, the method and the URI.
 */
@Timeout(10)
class AuthenticatorFuzzTest {

    private static final Set<OAuthErrorCode> RESOURCE_ERRORS = Set.of(OAuthErrorCode.INVALID_REQUEST,
            OAuthErrorCode.INVALID_TOKEN, OAuthErrorCode.INVALID_DPOP_PROOF);

    private static Fixture tokenFixture;
    private static String capabilityToken;

    @FuzzTest
    void authenticate(byte[] input) throws Exception {
        authenticated(input);
    }

    /** Runs one input and returns whether a call was authenticated. */
    static boolean authenticated(byte[] input) throws Exception {
        List<String> lines = FuzzSupport.lines(input, FuzzSupport.MAX_HEADER_SECTION, StandardCharsets.ISO_8859_1);
        if (lines == null || lines.size() > FuzzSupport.MAX_HEADER_COUNT) {
            return false;
        }
        String method = FuzzSupport.line(lines, 0);
        URI requestUri = requestUri(FuzzSupport.line(lines, 1));
        if (method.isEmpty() || requestUri == null) {
            // The gateway always passes the method and URI of a request its HTTP codec accepted.
            return false;
        }
        String tool = FuzzSupport.line(lines, 2);
        String token = capabilityToken();
        List<String> authorizations = new ArrayList<>();
        List<String> proofs = new ArrayList<>();
        for (String line : lines.subList(Math.min(3, lines.size()), lines.size())) {
            if (line.startsWith("A:")) {
                authorizations.add(line.substring(2).replace("$TOKEN", token));
            } else if (line.startsWith("D:")) {
                String proof = line.substring(2);
                if (proof.contains("$PROOF")) {
                    Fixture fixture = FuzzSupport.fixture();
                    proof = proof.replace("$PROOF", Fixture.proof(fixture.proofKey, method, requestUri.toString(),
                            fixture.now, token));
                }
                proofs.add(proof);
            }
        }

        List<String> credentials = new ArrayList<>(authorizations);
        credentials.addAll(proofs);
        credentials.add(token);
        try {
            Optional<VerifiedCall> call = FuzzSupport.fixture().authenticator().authenticate(method, requestUri, tool,
                    authorizations, proofs);
            assertThat(call.isPresent()).isEqualTo(!authorizations.isEmpty() || !proofs.isEmpty());
            call.ifPresent(verified -> assertThat(verified.tool()).isEqualTo(tool));
            return call.isPresent();
        } catch (OAuthException e) {
            FuzzSupport.checkRejection(e, RESOURCE_ERRORS, credentials);
            return false;
        }
    }

    private static URI requestUri(String pathAndQuery) {
        if (!pathAndQuery.startsWith("/")) {
            return null;
        }
        try {
            return new URI(Fixture.ORIGIN + pathAndQuery);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** Returns a capability token issued by the current fixture, issued again whenever the fixture is rebuilt. */
    private static synchronized String capabilityToken() throws Exception {
        Fixture fixture = FuzzSupport.fixture();
        if (fixture != tokenFixture) {
            capabilityToken = fixture.issueCapabilityToken();
            tokenFixture = fixture;
        }
        return capabilityToken;
    }
}
