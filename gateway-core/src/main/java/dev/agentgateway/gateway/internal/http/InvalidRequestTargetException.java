package dev.agentgateway.gateway.internal.http;

/** A request-target was rejected by {@link RequestTargetNormalizer}; the message is safe to send to the client. */
public final class InvalidRequestTargetException extends Exception {

    private static final long serialVersionUID = 1L;

    InvalidRequestTargetException(String message) {
        super(message);
    }
}
