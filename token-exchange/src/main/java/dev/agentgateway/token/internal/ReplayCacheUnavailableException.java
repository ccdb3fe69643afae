package dev.agentgateway.token.internal;

/**
 * The replay cache could not say whether a proof was used before, because its store cannot be reached or timed
 * out. The proof is then rejected: an unanswered check never counts as "not seen".
 */
public final class ReplayCacheUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message names the store by its redacted URI and names the failure, never a proof or password
     */
    public ReplayCacheUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
