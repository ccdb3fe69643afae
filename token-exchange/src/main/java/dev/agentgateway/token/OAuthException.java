package dev.agentgateway.token;

import java.util.Objects;

/**
 * A request failed an OAuth or DPoP check. The description is safe to send to the client: it names the
 * rejected value and the expectation and never contains a token, proof or key.
 */
public final class OAuthException extends Exception {

    private static final long serialVersionUID = 1L;

    private final OAuthErrorCode code;

    public OAuthException(OAuthErrorCode code, String description) {
        super(description);
        this.code = Objects.requireNonNull(code, "code");
    }

    public OAuthException(OAuthErrorCode code, String description, Throwable cause) {
        super(description, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    public OAuthErrorCode code() {
        return code;
    }

    public String description() {
        return getMessage();
    }
}
