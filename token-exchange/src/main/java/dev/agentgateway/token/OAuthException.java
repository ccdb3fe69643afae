package dev.agentgateway.token;

import java.util.Objects;
import java.util.Optional;

/**
 * A request failed an OAuth or DPoP check. The description is safe to send to the client: it names the
 * rejected value and the expectation and never contains a token, proof or key.
 */
public final class OAuthException extends Exception {

    private static final long serialVersionUID = 1L;

    private final OAuthErrorCode code;
    private final String dpopNonce;

    public OAuthException(OAuthErrorCode code, String description) {
        this(code, description, null, null);
    }

    public OAuthException(OAuthErrorCode code, String description, Throwable cause) {
        this(code, description, cause, null);
    }

    private OAuthException(OAuthErrorCode code, String description, Throwable cause, String dpopNonce) {
        super(description, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.dpopNonce = dpopNonce;
    }

    /** Returns a copy of this exception carrying {@code nonce}, for the client to put in its next DPoP proof. */
    public OAuthException withDPoPNonce(String nonce) {
        OAuthException copy = new OAuthException(code, getMessage(), getCause(), Objects.requireNonNull(nonce,
                "nonce"));
        copy.setStackTrace(getStackTrace());
        return copy;
    }

    public OAuthErrorCode code() {
        return code;
    }

    public String description() {
        return getMessage();
    }

    /**
     * Returns the nonce to send in a {@code DPoP-Nonce} response header (RFC 9449 §8), present for
     * {@code use_dpop_nonce} and for every rejection on an endpoint that offers nonces.
     */
    public Optional<String> dpopNonce() {
        return Optional.ofNullable(dpopNonce);
    }
}
