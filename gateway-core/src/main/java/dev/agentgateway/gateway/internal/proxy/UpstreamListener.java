package dev.agentgateway.gateway.internal.proxy;

/** Receives what happens on an upstream connection while it serves one forwarded call. */
public interface UpstreamListener {

    /** Called with each decoded response object ({@code HttpResponse}, {@code HttpContent}); owns {@code msg}. */
    void upstreamRead(Object msg);

    /** Called when the upstream connection failed, for example with an invalid response. */
    void upstreamFailed(Throwable cause);

    /** Called when the upstream connection closed. */
    void upstreamClosed();

    /** Called when the upstream connection's outbound buffer crossed a water mark. */
    void upstreamWritabilityChanged(boolean writable);
}
