package dev.agentgateway.token;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * Verifies {@code Authorization: DPoP} capability tokens and their DPoP proofs at the proxy (RFC 9449 §4.3 and
 * §7). Thread-safe.
 */
public final class AccessTokenAuthenticator {

    AccessTokenAuthenticator() {
    }

    /**
     * Authenticates one request.
     *
     * @param method request method as received
     * @param requestUri the gateway's public origin plus the normalized request path (and query); the proof's
     *     {@code htu} is compared with it, never with client-supplied {@code Host} or {@code X-Forwarded-*}
     * @param expectedTool tool name of the route the request matched; the capability token's {@code aud} must
     *     equal it
     * @param authorizationHeaders every {@code Authorization} field value of the request
     * @param dpopHeaders every {@code DPoP} field value of the request
     * @return the verified call, or empty when the request carried neither header (an anonymous request)
     * @throws OAuthException when any credential is present but fails a check
     */
    public Optional<VerifiedCall> authenticate(String method, URI requestUri, String expectedTool,
            List<String> authorizationHeaders, List<String> dpopHeaders) throws OAuthException {
        throw new UnsupportedOperationException("TODO");
    }
}
