package dev.agentgateway.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import dev.agentgateway.config.ReplayCacheConfig;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.token.internal.DPoPProofVerifier;
import dev.agentgateway.token.internal.ProofReplayCache;
import dev.agentgateway.token.internal.ProofWindow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Shared parts of the fuzz tests: input limits taken from the agent listener, the fixture they run against and
 * the invariant every target checks.
 *
 * <p>Fuzz inputs are text, one field per line, so seed files can be read and written by hand. A value cannot
 * contain a line break, which holds for every header field value and for every form value the targets look at.
 */
final class FuzzSupport {

    /** Header section limit of the agent listener, the most any header value can carry. */
    static final int MAX_HEADER_SECTION = 16 * 1024;
    /** Header field count limit of the agent listener. */
    static final int MAX_HEADER_COUNT = 100;
    /** Request body limit of the gateway's own endpoints, the most a token endpoint form can carry. */
    static final int MAX_FORM_BODY = 64 * 1024;

    /**
     * Age after which the fixture is rebuilt. oauth2-oidc-sdk checks a proof's {@code iat} against the system
     * clock while the fixture's clock is fixed, so a long fuzzing run needs a fresh fixture to keep minting
     * proofs both accept.
     */
    private static final Duration FIXTURE_MAX_AGE = Duration.ofSeconds(20);

    private static Path directory;
    private static Fixture fixture;
    private static Fixture verifierFixture;
    private static DPoPProofVerifier proofVerifier;

    private FuzzSupport() {
    }

    /** Returns a fixture whose fixed clock is at most {@link #FIXTURE_MAX_AGE} behind the system clock. */
    static synchronized Fixture fixture() {
        try {
            if (directory == null) {
                directory = Files.createTempDirectory("token-fuzz");
                directory.toFile().deleteOnExit();
            }
            if (fixture == null || fixture.now.plus(FIXTURE_MAX_AGE).isBefore(Instant.now())) {
                fixture = new Fixture(directory);
            }
            return fixture;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("building the token services failed", e);
        }
    }

    /** Returns a proof verifier on the fixture's clock with its own replay cache, rebuilt with the fixture. */
    static synchronized DPoPProofVerifier proofVerifier() {
        Fixture current = fixture();
        if (current != verifierFixture) {
            TokenConfig tokens = TokenConfig.defaults();
            ProofReplayCache replayCache = new ProofReplayCache(
                    new ProofWindow(tokens.proofMaxAge(), tokens.clockSkew()), ReplayCacheConfig.DEFAULT_MAX_ENTRIES,
                    current.clock);
            proofVerifier = new DPoPProofVerifier(tokens.proofMaxAge(), tokens.clockSkew(), replayCache,
                    current.clock);
            verifierFixture = current;
        }
        return proofVerifier;
    }

    /** Returns the RFC 7638 thumbprint of the current fixture's proof key. */
    static String proofKeyThumbprint() {
        try {
            return fixture().proofKey.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("thumbprint of a generated P-256 key failed", e);
        }
    }

    /** Splits {@code input} into lines, or returns {@code null} when it is longer than {@code maxBytes}. */
    static List<String> lines(byte[] input, int maxBytes, Charset charset) {
        if (input.length > maxBytes) {
            return null;
        }
        return Arrays.asList(new String(input, charset).split("\n", -1));
    }

    /** Returns line {@code index}, or the empty string when the input has fewer lines. */
    static String line(List<String> lines, int index) {
        return index < lines.size() ? lines.get(index) : "";
    }

    /**
     * Checks a rejection: its code must be one the entry point may return, and its description must not contain
     * any of the credentials the request carried that look like a compact JWS.
     */
    static void checkRejection(OAuthException rejection, Set<OAuthErrorCode> allowed, List<String> credentials) {
        assertThat(rejection.code()).as("error code of: %s", rejection.description()).isIn(allowed);
        assertThat(rejection.description()).as("description").isNotBlank();
        for (String credential : credentials) {
            if (isCompactJwsLike(credential)) {
                assertThat(rejection.description()).as("description").doesNotContain(credential);
            }
        }
    }

    /**
     * Returns whether {@code value} has at least 40 characters and two dots. Other values may occur in a description
     * by chance, like a fuzzed {@code actor_token} equal to the expected grant type.
     */
    private static boolean isCompactJwsLike(String value) {
        return value != null && value.length() >= 40 && value.chars().filter(c -> c == '.').count() >= 2;
    }
}
