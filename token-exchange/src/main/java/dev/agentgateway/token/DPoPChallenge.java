package dev.agentgateway.token;

import java.util.Set;

/** Formats the {@code WWW-Authenticate: DPoP} challenge of RFC 9449 §7.1. */
public final class DPoPChallenge {

    private DPoPChallenge() {
    }

    /**
     * Returns the challenge value for a failed or missing authentication.
     *
     * @param error the failure, or {@code null} when the request carried no credentials (no {@code error} then)
     * @param algorithms accepted proof algorithms, sent as {@code algs}
     */
    public static String header(OAuthException error, Set<String> algorithms) {
        throw new UnsupportedOperationException("TODO");
    }
}
