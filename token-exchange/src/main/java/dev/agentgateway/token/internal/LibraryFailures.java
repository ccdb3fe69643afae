package dev.agentgateway.token.internal;

import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps an unchecked exception that Nimbus or oauth2-oidc-sdk throws while parsing or verifying attacker-supplied
 * input to the protocol's error, so hostile input is rejected like any other invalid input and never becomes a
 * 500. The exception's message may quote the input, so only its class is logged and nothing of it is sent.
 */
public final class LibraryFailures {

    private static final Logger LOG = LoggerFactory.getLogger(LibraryFailures.class);

    private LibraryFailures() {
    }

    /**
     * Returns the rejection of {@code kind} for an unexpected {@code failure} of a library, logged at debug level.
     *
     * @param kind what was being verified, for example {@code DPoP proof}
     */
    public static OAuthException rejection(OAuthErrorCode code, String kind, RuntimeException failure) {
        LOG.debug("{} verification failed in a library with {}", kind, failure.getClass().getName());
        return new OAuthException(code, kind + " rejected: it could not be processed (expected: a well-formed "
                + kind + ")");
    }
}
