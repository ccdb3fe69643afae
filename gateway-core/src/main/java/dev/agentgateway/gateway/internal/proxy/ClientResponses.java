package dev.agentgateway.gateway.internal.proxy;

import dev.agentgateway.gateway.internal.http.HopByHopHeaders;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/** Builds the response head sent to the agent from a backend's response head. */
public final class ClientResponses {

    private ClientResponses() {
    }

    /**
     * Returns the client response head for {@code upstream}: its status and end-to-end fields, without hop-by-hop
     * fields, with framing chosen for the client. A response without a body keeps no {@code Transfer-Encoding};
     * a body of known length keeps {@code Content-Length}; any other body is sent chunked to HTTP/1.1 clients and
     * delimited by closing the connection for HTTP/1.0 clients.
     */
    public static HttpResponse head(HttpResponse upstream, HttpRequest clientRequest) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(upstream.headers());
        boolean upstreamChunked = HttpUtil.isTransferEncodingChunked(upstream);
        HopByHopHeaders.remove(headers);
        headers.remove(UpstreamRequests.TXN_TOKEN);

        int status = upstream.status().code();
        if (hasNoBody(clientRequest.method(), status)) {
            if (status == 204) {
                headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            }
        } else if (upstreamChunked || !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            if (clientRequest.protocolVersion().minorVersion() >= 1) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, upstream.status(), headers);
    }

    /** Returns whether a response to {@code method} with {@code status} never has a body (RFC 9110 §6.4.1). */
    public static boolean hasNoBody(HttpMethod method, int status) {
        return HttpMethod.HEAD.equals(method) || (status >= 100 && status < 200) || status == 204 || status == 304;
    }
}
