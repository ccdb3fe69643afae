package dev.agentgateway.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.agentgateway.token.internal.DPoPProofVerifier;
import dev.agentgateway.token.internal.DPoPProofVerifier.VerifiedProof;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link DPoPProofVerifier} with proofs as received in a {@code DPoP} header.
 *
 * <p>{@code tokenRequest} takes the whole input as the proof. {@code resourceRequest} takes five lines: method,
 * request URI, access token, the token's {@code cnf.jkt}, and the proof. A fourth line {@code $JKT} is replaced by
 * the thumbprint of the fixture's proof key, and a fifth line {@code $PROOF} by a valid proof with that key for the
 * method, URI and token, so mutations of the other lines run past the signature check.
 */
@Timeout(10)
class ProofFuzzTest {

    @FuzzTest
    void tokenRequest(byte[] input) {
        if (input.length > FuzzSupport.MAX_HEADER_SECTION) {
            return;
        }
        String proof = new String(input, StandardCharsets.ISO_8859_1);
        try {
            VerifiedProof verified = FuzzSupport.proofVerifier().verifyTokenRequest(proof, Fixture.TOKEN_ENDPOINT);
            assertThat(verified.keyThumbprint()).isNotEmpty();
        } catch (OAuthException e) {
            FuzzSupport.checkRejection(e, Set.of(OAuthErrorCode.INVALID_DPOP_PROOF), List.of(proof));
        }
    }

    @FuzzTest
    void resourceRequest(byte[] input) {
        resourceProofAccepted(input);
    }

    /** Runs one input and returns whether the proof was accepted. */
    static boolean resourceProofAccepted(byte[] input) {
        List<String> lines = FuzzSupport.lines(input, FuzzSupport.MAX_HEADER_SECTION, StandardCharsets.ISO_8859_1);
        if (lines == null) {
            return false;
        }
        String method = FuzzSupport.line(lines, 0);
        URI requestUri = requestUri(FuzzSupport.line(lines, 1));
        if (method.isEmpty() || requestUri == null) {
            // The gateway always passes the method and URI of a request its HTTP codec accepted.
            return false;
        }
        String accessToken = FuzzSupport.line(lines, 2);
        String keyThumbprint = FuzzSupport.line(lines, 3);
        if ("$JKT".equals(keyThumbprint)) {
            keyThumbprint = FuzzSupport.proofKeyThumbprint();
        }
        String proof = FuzzSupport.line(lines, 4);
        if ("$PROOF".equals(proof)) {
            proof = Fixture.proof(FuzzSupport.fixture().proofKey, method, requestUri.toString(),
                    FuzzSupport.fixture().now, accessToken);
        }
        try {
            VerifiedProof verified = FuzzSupport.proofVerifier().verifyResourceRequest(proof, method, requestUri, accessToken,
                    keyThumbprint);
            assertThat(verified.keyThumbprint()).isEqualTo(keyThumbprint);
            return true;
        } catch (OAuthException e) {
            // invalid_request is the documented error for a request URI that cannot be normalized for htu.
            FuzzSupport.checkRejection(e, Set.of(OAuthErrorCode.INVALID_DPOP_PROOF, OAuthErrorCode.INVALID_TOKEN,
                    OAuthErrorCode.INVALID_REQUEST), List.of(proof, accessToken));
            return false;
        }
    }

    /** Returns the URI the gateway would build, or {@code null} for text it never passes (relative, opaque). */
    private static URI requestUri(String text) {
        try {
            URI uri = new URI(text);
            return uri.isAbsolute() && !uri.isOpaque() && uri.getRawAuthority() != null ? uri : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
