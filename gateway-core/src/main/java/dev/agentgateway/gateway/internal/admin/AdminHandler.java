package dev.agentgateway.gateway.internal.admin;

import dev.agentgateway.gateway.internal.metrics.GatewayMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Serves the admin listener: {@code GET /metrics} (Prometheus text format), {@code GET /health/live} (200 while
 * the process serves) and {@code GET /health/ready} (503 with the reason while audit appends fail or the DPoP
 * replay cache cannot be reached, because calls then fail closed) and {@code GET /audit/stream} (server-sent
 * events of audit records, see {@link AuditStreams}). Readiness may wait for a check of the audit log off the event
 * loop. So reading stops while a response is pending, and a {@code FlowControlHandler} before this handler queues
 * further requests, which keeps responses in request order.
 */
@Sharable
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final String STREAM_PATH = "/audit/stream";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final GatewayMetrics metrics;
    private final Supplier<CompletableFuture<Boolean>> auditReady;
    private final BooleanSupplier replayCacheAvailable;
    private final AuditStreams auditStreams;

    /**
     * @param auditReady returns whether audit appends succeed; its future may complete on another thread
     * @param replayCacheAvailable returns whether the DPoP replay cache can be reached. It runs on the event loop,
     *     so it must not block
     */
    public AdminHandler(GatewayMetrics metrics, Supplier<CompletableFuture<Boolean>> auditReady,
            BooleanSupplier replayCacheAvailable) {
        this(metrics, auditReady, replayCacheAvailable, null);
    }

    /**
     * @param auditStreams serves {@code GET /audit/stream}, or {@code null} to respond to it with 404
     */
    public AdminHandler(GatewayMetrics metrics, Supplier<CompletableFuture<Boolean>> auditReady,
            BooleanSupplier replayCacheAvailable, AuditStreams auditStreams) {
        this.metrics = metrics;
        this.auditReady = auditReady;
        this.replayCacheAvailable = replayCacheAvailable;
        this.auditStreams = auditStreams;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        ctx.channel().config().setAutoRead(false);
        if (auditStreams != null && request.decoderResult().isSuccess() && path(request).equals(STREAM_PATH)) {
            openStream(ctx, request, keepAlive);
            return;
        }
        respond(request).whenComplete((response, error) -> ctx.executor().execute(() ->
                send(ctx, response != null ? response : text(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        "internal error\n"), keepAlive)));
    }

    /** Starts an audit stream, or sends the response that rejects it. */
    private void openStream(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        if (!request.method().equals(HttpMethod.GET)) {
            FullHttpResponse response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET");
            send(ctx, response, keepAlive);
            return;
        }
        FullHttpResponse rejected = auditStreams.open(ctx, request);
        if (rejected != null) {
            send(ctx, rejected, keepAlive);
        }
    }

    private static String path(FullHttpRequest request) {
        String path = request.uri();
        int query = path.indexOf('?');
        return query >= 0 ? path.substring(0, query) : path;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response);
            ctx.channel().config().setAutoRead(true);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private CompletableFuture<FullHttpResponse> respond(FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            return CompletableFuture.completedFuture(text(HttpResponseStatus.BAD_REQUEST, "malformed request\n"));
        }
        String path = path(request);
        if (!path.equals("/metrics") && !path.equals("/health/live") && !path.equals("/health/ready")) {
            return CompletableFuture.completedFuture(text(HttpResponseStatus.NOT_FOUND, "not found\n"));
        }
        if (!request.method().equals(HttpMethod.GET)) {
            FullHttpResponse response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET");
            return CompletableFuture.completedFuture(response);
        }
        return switch (path) {
            case "/metrics" -> CompletableFuture.completedFuture(
                    withType(text(HttpResponseStatus.OK, metrics.scrape()), PROMETHEUS_TEXT));
            case "/health/live" -> CompletableFuture.completedFuture(text(HttpResponseStatus.OK, "live\n"));
            default -> readiness();
        };
    }

    private CompletableFuture<FullHttpResponse> readiness() {
        if (!replayCacheAvailable.getAsBoolean()) {
            return CompletableFuture.completedFuture(text(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "not ready: the DPoP replay cache cannot be reached\n"));
        }
        return auditReady.get().thenApply(ready -> ready
                ? text(HttpResponseStatus.OK, "ready\n")
                : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: audit log appends are failing\n"));
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        return response;
    }

    private static FullHttpResponse withType(FullHttpResponse response, String contentType) {
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        return response;
    }
}
