package dev.agentgateway.gateway.internal.http;

/** Receives the start and end of each request header section from {@link StrictRequestDecoder}. */
public interface HeaderSectionListener {

    /** Called when the first byte of a request (or of the next request on a kept-alive connection) arrives. */
    void headerSectionStarted();

    /** Called when the header section has been decoded, successfully or not. */
    void headerSectionEnded();
}
