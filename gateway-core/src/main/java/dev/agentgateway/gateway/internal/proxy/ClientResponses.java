package dev.agentgateway.gateway.internal.proxy;

import dev.agentgateway.gateway.internal.http.GatewayHeaders;
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
import java.util.ArrayList;
import java.util.List;

/** Builds the response head sent to the agent from a backend's response head. */
public final class ClientResponses {

    private ClientResponses() {
    }

    /**
     * Returns the client response head for {@code upstream}: its status and end-to-end fields, without hop-by-hop
     * fields, with framing rebuilt from how the decoder framed the backend's body, whatever {@code Connection}
     * lists. A response without a body keeps no {@code Transfer-Encoding}, a body of known length keeps its
     * {@code Content-Length}, and any other body is sent chunked to HTTP/1.1 clients and delimited by closing the
     * connection for HTTP/1.0 clients.
     */
    public static HttpResponse head(HttpResponse upstream, HttpRequest clientRequest) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(upstream.headers());
        boolean upstreamChunked = HttpUtil.isTransferEncodingChunked(upstream);
        long contentLength = HttpUtil.getContentLength(upstream, -1L);
        HopByHopHeaders.remove(headers);
        List<String> dropped = new ArrayList<>();
        for (String name : headers.names()) {
            if (GatewayHeaders.isDroppedFromBackend(name)) {
                dropped.add(name);
            }
        }
        dropped.forEach(headers::remove);

        int status = upstream.status().code();
        if (hasNoBody(clientRequest.method(), status)) {
            // A response to HEAD or a 304 keeps the length of the body it describes (RFC 9110 §8.6).
            if (status != 204 && !upstreamChunked && contentLength >= 0) {
                headers.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
            }
        } else if (!upstreamChunked && contentLength >= 0) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        } else if (clientRequest.protocolVersion().minorVersion() >= 1) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, upstream.status(), headers);
    }

    /** Returns whether a response to {@code method} with {@code status} never has a body (RFC 9110 §6.4.1). */
    public static boolean hasNoBody(HttpMethod method, int status) {
        return HttpMethod.HEAD.equals(method) || (status >= 100 && status < 200) || status == 204 || status == 304;
    }
}
