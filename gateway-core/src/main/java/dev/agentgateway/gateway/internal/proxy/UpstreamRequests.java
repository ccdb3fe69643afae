package dev.agentgateway.gateway.internal.proxy;

import dev.agentgateway.gateway.internal.http.GatewayHeaders;
import dev.agentgateway.gateway.internal.http.HopByHopHeaders;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** Builds the request sent to a backend from the agent's request. */
public final class UpstreamRequests {

    /** Header names the gateway sets itself; they carry the request id and the Txn-Token. */
    public static final String REQUEST_ID = "X-Request-Id";
    public static final String TXN_TOKEN = "Txn-Token";

    /** Methods whose intended effect is the same when a request is repeated (RFC 9110 §9.2.2). */
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    private UpstreamRequests() {
    }

    /** Returns whether {@code method} is idempotent (RFC 9110 §9.2.2), so a request may be sent again. */
    public static boolean isIdempotent(HttpMethod method) {
        return IDEMPOTENT.contains(method);
    }

    /**
     * Returns the upstream request for {@code client}: HTTP/1.1, the client's method, the upstream target, the
     * client's end-to-end fields minus credentials, forwarding claims and routing overrides, plus the gateway's own
     * fields.
     * The framing is rebuilt from how the decoder framed the client's body, whatever {@code Connection} lists: a
     * chunked body is sent chunked, and a body of known length gets that {@code Content-Length}.
     */
    public static HttpRequest rewrite(HttpRequest client, Forwarding forwarding) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(client.headers());
        boolean chunked = HttpUtil.isTransferEncodingChunked(client);
        long contentLength = HttpUtil.getContentLength(client, -1L);
        HopByHopHeaders.remove(headers);
        removeDroppedFields(headers);

        headers.set(HttpHeaderNames.HOST, forwarding.backendAuthority());
        headers.set("X-Forwarded-For", forwarding.clientAddress());
        headers.set("X-Forwarded-Proto", forwarding.publicScheme());
        headers.set("X-Forwarded-Host", forwarding.publicHost());
        headers.set(TXN_TOKEN, forwarding.txnToken());
        headers.set(REQUEST_ID, forwarding.requestId());
        if (chunked) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        } else if (contentLength >= 0) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        }
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, client.method(), forwarding.upstreamTarget(), headers);
    }

    /**
     * Returns the upstream request-target: the backend's base path (with a trailing {@code /}), then the request
     * path after the route prefix, then {@code ?} and the query when present.
     */
    public static String upstreamTarget(URI backend, String relativePath, String query) {
        String basePath = backend.getRawPath() == null || backend.getRawPath().isEmpty() ? "/" : backend.getRawPath();
        if (!basePath.endsWith("/")) {
            basePath = basePath + "/";
        }
        String target = basePath + relativePath;
        return query == null ? target : target + '?' + query;
    }

    /** Returns {@code host:port} of {@code backend}, as sent in the upstream {@code Host} field. */
    public static String backendAuthority(URI backend) {
        return backend.getRawAuthority();
    }

    /**
     * Removes credentials, the fields the gateway sets itself and routing overrides, under any spelling that
     * {@link GatewayHeaders} maps to them, for example {@code x_forwarded_for} or {@code TXN_TOKEN}.
     */
    private static void removeDroppedFields(HttpHeaders headers) {
        List<String> names = new ArrayList<>();
        for (String name : headers.names()) {
            if (GatewayHeaders.isDroppedFromClient(name)) {
                names.add(name);
            }
        }
        names.forEach(headers::remove);
    }

    /**
     * Values the gateway adds to a forwarded request.
     *
     * @param upstreamTarget request-target sent to the backend
     * @param backendAuthority {@code host:port} of the backend, sent as {@code Host}
     * @param clientAddress IP address of the agent's socket, sent as {@code X-Forwarded-For}
     * @param publicScheme scheme of the gateway's public origin, sent as {@code X-Forwarded-Proto}
     * @param publicHost host and port of the gateway's public origin, sent as {@code X-Forwarded-Host}
     * @param txnToken signed Txn-Token for the backend
     * @param requestId gateway request id, sent as {@code X-Request-Id}
     */
    public record Forwarding(String upstreamTarget, String backendAuthority, String clientAddress, String publicScheme,
            String publicHost, String txnToken, String requestId) {

        public Forwarding {
            Objects.requireNonNull(upstreamTarget, "upstreamTarget");
            Objects.requireNonNull(backendAuthority, "backendAuthority");
            Objects.requireNonNull(clientAddress, "clientAddress");
            Objects.requireNonNull(publicScheme, "publicScheme");
            Objects.requireNonNull(publicHost, "publicHost");
            Objects.requireNonNull(txnToken, "txnToken");
            Objects.requireNonNull(requestId, "requestId");
        }

        @Override
        public String toString() {
            return "Forwarding[upstreamTarget=" + upstreamTarget + ", requestId=" + requestId + "]";
        }
    }
}
