package dev.agentgateway.gateway.internal.http;

import java.time.Duration;
import java.util.Objects;

/**
 * Size and time limits of the agent listener.
 *
 * @param maxRequestLineLength maximum request line length in bytes; longer lines get 414
 * @param maxHeaderSectionSize maximum header section size in bytes; larger sections get 431
 * @param maxChunkSize maximum size of one decoded body part in bytes; larger parts are split, not rejected
 * @param maxHeaderCount maximum number of header fields; more get 431
 * @param headerReadTimeout time allowed from the first byte of a request to the end of its header section; a
 *     client that is slower gets 408 and the connection is closed
 * @param idleTimeout time a connection may go without reads or writes while no request is in progress
 * @param maxEndpointBodySize maximum request body size in bytes at the gateway's own endpoints; larger bodies get
 *     413
 * @param proxiedBodyTimeout time allowed from the end of a proxied request's head to the end of its body, however
 *     steadily the bytes arrive; a slower client gets 408 and the connection and the upstream request are closed
 * @param endpointBodyTimeout the same deadline for a request body at the gateway's own endpoints
 */
public record HttpLimits(
        int maxRequestLineLength,
        int maxHeaderSectionSize,
        int maxChunkSize,
        int maxHeaderCount,
        Duration headerReadTimeout,
        Duration idleTimeout,
        int maxEndpointBodySize,
        Duration proxiedBodyTimeout,
        Duration endpointBodyTimeout) {

    /** Default deadline for a proxied request's body, counted from the end of its head. */
    public static final Duration PROXIED_BODY_TIMEOUT = Duration.ofSeconds(60);
    /** Default deadline for a request body at the gateway's own endpoints, which is at most 64 KiB. */
    public static final Duration ENDPOINT_BODY_TIMEOUT = Duration.ofSeconds(10);

    public HttpLimits {
        Objects.requireNonNull(headerReadTimeout, "headerReadTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(proxiedBodyTimeout, "proxiedBodyTimeout");
        Objects.requireNonNull(endpointBodyTimeout, "endpointBodyTimeout");
    }

    /** Returns the limits the gateway runs with: 8 KiB request line, 16 KiB header section, 100 fields. */
    public static HttpLimits defaults() {
        return new HttpLimits(8 * 1024, 16 * 1024, 16 * 1024, 100, Duration.ofSeconds(10), Duration.ofSeconds(60),
                64 * 1024, PROXIED_BODY_TIMEOUT, ENDPOINT_BODY_TIMEOUT);
    }

    /** Returns a copy with the given header read timeout and idle timeout. */
    public HttpLimits withTimeouts(Duration headerRead, Duration idle) {
        return new HttpLimits(maxRequestLineLength, maxHeaderSectionSize, maxChunkSize, maxHeaderCount, headerRead,
                idle, maxEndpointBodySize, proxiedBodyTimeout, endpointBodyTimeout);
    }

    /** Returns a copy with the given request body deadlines for proxied requests and the gateway's endpoints. */
    public HttpLimits withBodyTimeouts(Duration proxiedBody, Duration endpointBody) {
        return new HttpLimits(maxRequestLineLength, maxHeaderSectionSize, maxChunkSize, maxHeaderCount,
                headerReadTimeout, idleTimeout, maxEndpointBodySize, proxiedBody, endpointBody);
    }
}
