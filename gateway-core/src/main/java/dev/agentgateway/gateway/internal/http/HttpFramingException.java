package dev.agentgateway.gateway.internal.http;

/**
 * A request whose framing or header section the gateway rejects. It is set as the failed {@code DecoderResult} of
 * the request, and the connection is closed after the error response. The message is safe to send to the client.
 */
public final class HttpFramingException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;

    public HttpFramingException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** Returns the HTTP status to answer with, for example 400 or 431. */
    public int status() {
        return status;
    }
}
