package dev.agentgateway.token;

/** The RFC 8693 token exchange grant with DPoP-bound results. Thread-safe. */
public final class TokenExchangeService {

    TokenExchangeService() {
    }

    /**
     * Verifies the proof, the subject token and the optional actor token, asks policy which scopes the principal
     * may hold for the requested tool, and mints a DPoP-bound capability token.
     *
     * @throws OAuthException with a token endpoint error code when the request is rejected
     */
    public TokenExchangeResult exchange(TokenExchangeRequest request) throws OAuthException {
        throw new UnsupportedOperationException("TODO");
    }
}
