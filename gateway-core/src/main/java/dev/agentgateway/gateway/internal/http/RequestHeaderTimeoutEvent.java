package dev.agentgateway.gateway.internal.http;

/** User event fired when a request's header section did not arrive within the header read timeout. */
public final class RequestHeaderTimeoutEvent {

    public static final RequestHeaderTimeoutEvent INSTANCE = new RequestHeaderTimeoutEvent();

    private RequestHeaderTimeoutEvent() {
    }
}
