package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.gateway.internal.http.GatewayHeaders;
import dev.agentgateway.gateway.internal.proxy.ClientResponses;
import dev.agentgateway.gateway.internal.proxy.UpstreamListener;
import dev.agentgateway.gateway.internal.proxy.UpstreamRelayHandler;
import dev.agentgateway.gateway.internal.proxy.UpstreamRequests;
import dev.agentgateway.gateway.internal.proxy.UpstreamRequests.Forwarding;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.pool.ChannelPool;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards an allowed, audited call to its backend and streams the response back, then appends the
 * {@code OUTCOME} record. One instance per agent connection, with at most one call in progress.
 *
 * <p>The request is rewritten by {@link UpstreamRequests#rewrite} with a Txn-Token whose {@code txn} is the
 * decision record id. Bodies are streamed in both directions and never aggregated. The agent connection stops
 * reading while the upstream connection is not writable, and the upstream connection stops reading while the agent
 * connection is not writable. The backend gets the route's connect
 * timeout, and its response head must arrive within the route's response timeout after the request was sent.
 * An unreachable backend gets 502, a late one 504, both as problem details and both audited as outcomes.
 *
 * <p>A reused pooled connection may turn out to be closed by the backend just as the request goes out on it. When
 * that happens before any byte of the response arrived, the call is sent once more on a new connection. This
 * happens only when its method is idempotent (RFC 9110 §9.2.2) and no body bytes were forwarded yet. Repeating
 * such a call has the effect of sending it once, and no body part is lost. Any other failure gets 502.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);

    private final AgentServices services;
    private ForwardedCall call;

    ProxyHandler(AgentServices services) {
        this.services = services;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Exchange exchange) {
            startCall(ctx, exchange);
        } else if (msg instanceof HttpContent content && call != null) {
            call.clientContent(content);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (call != null) {
            call.clientClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (call != null) {
            call.clientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof RequestBodyTimeoutEvent timeout && call != null) {
            call.clientBodyTimedOut(timeout);
            return;
        }
        if (evt instanceof MalformedRequestBodyEvent malformed && call != null) {
            call.clientBodyMalformed(malformed);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void startCall(ChannelHandlerContext ctx, Exchange exchange) {
        HttpRequest upstreamRequest;
        try {
            upstreamRequest = upstreamRequest(ctx, exchange);
        } catch (RuntimeException e) {
            failBeforeForwarding(ctx, exchange, e);
            return;
        }
        call = new ForwardedCall(ctx, exchange, upstreamRequest);
        call.start();
    }

    /**
     * Ends an allowed, audited call that could not be prepared for forwarding with a 500 problem and its outcome
     * record, so no decision record is left without an outcome.
     */
    private void failBeforeForwarding(ChannelHandlerContext ctx, Exchange exchange, RuntimeException cause) {
        log.error("Request {}: preparing the upstream request failed; responding with 500", exchange.requestId(),
                cause);
        String reason = "preparing the upstream request failed with " + cause.getClass().getSimpleName();
        ctx.writeAndFlush(ProblemResponses.problem(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error",
                "Internal error", "the gateway failed to prepare the request for the backend", exchange.requestId()))
                .addListener((ChannelFuture written) -> {
                    long durationMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exchange.startNanos());
                    services.audit().appendWithoutWaiting(
                            AuditEvents.outcome(exchange, 500, 0, durationMillis, reason));
                });
    }

    /** Returns the rewritten request with a Txn-Token naming the decision record. */
    private HttpRequest upstreamRequest(ChannelHandlerContext ctx, Exchange exchange) {
        RouteConfig route = exchange.route();
        String txnToken = services.tokens().txnTokens().issue(exchange.principal(), exchange.actor(),
                exchange.scopes(), exchange.decisionRecord().id(), route.backendAudience());
        String relativePath = RouteTable.relativePath(route, exchange.target().path());
        Forwarding forwarding = new Forwarding(
                UpstreamRequests.upstreamTarget(route.backend(), relativePath, exchange.target().query()),
                UpstreamRequests.backendAuthority(route.backend()),
                clientAddress(ctx.channel().remoteAddress()),
                services.publicScheme(),
                services.publicHost(),
                txnToken,
                exchange.requestId());
        return UpstreamRequests.rewrite(exchange.request(), forwarding);
    }

    private static String clientAddress(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return "unknown";
    }

    /** One forwarded call: the upstream connection, both body streams, and the outcome record at the end. */
    private final class ForwardedCall implements UpstreamListener {
        private final ChannelHandlerContext ctx;
        private final Exchange exchange;
        private final HttpRequest upstreamRequest;
        private ChannelPool pool;
        private Channel upstream;
        private boolean upstreamPooled;
        private boolean upstreamReused;
        private boolean upstreamReleased;
        private boolean retried;
        private boolean continueSent;
        private boolean bodyForwarded;
        private boolean requestEndReceived;
        private boolean responseDataReceived;
        private boolean requestSent;
        private boolean waitingForUpstreamWritability;
        private HttpResponse upstreamHead;
        private boolean responseHeadSent;
        private boolean skippingInformational;
        private long responseBytes;
        private long forwardStartNanos;
        private ScheduledFuture<?> responseTimeout;
        private boolean finished;

        ForwardedCall(ChannelHandlerContext ctx, Exchange exchange, HttpRequest upstreamRequest) {
            this.ctx = ctx;
            this.exchange = exchange;
            this.upstreamRequest = upstreamRequest;
        }

        void start() {
            if (!ctx.channel().isActive() || exchange.responseStarted()) {
                detach();
                finish(null, "client closed the connection before the call was forwarded");
                return;
            }
            pool = services.upstreams().pool(ctx.channel().eventLoop(), exchange.route());
            upstreamPooled = true;
            pool.acquire().addListener((Future<Channel> acquired) -> onAcquired(acquired));
        }

        private void onAcquired(Future<Channel> acquired) {
            if (!acquired.isSuccess()) {
                if (finished) {
                    return;
                }
                Throwable cause = acquired.cause();
                log.debug("Request {}: backend {} unreachable", exchange.requestId(), exchange.route().backend(),
                        cause);
                failBeforeResponse(HttpResponseStatus.BAD_GATEWAY, "backend_unreachable", "Backend unreachable",
                        "the backend of tool \"" + exchange.route().tool() + "\" could not be reached");
                return;
            }
            upstream = acquired.getNow();
            upstreamReleased = false;
            if (finished) {
                releaseUpstream(false);
                return;
            }
            UpstreamRelayHandler relay = UpstreamRelayHandler.of(upstream);
            relay.attach(this);
            upstreamReused = relay.reused();
            forwardStartNanos = System.nanoTime();
            upstream.writeAndFlush(upstreamRequest).addListener((ChannelFuture write) -> onUpstreamWrite(write));
            if (requestEndReceived) {
                // A retry: the end of a request without body bytes already arrived and went to the closed connection.
                upstream.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                        .addListener((ChannelFuture write) -> onRequestSent(write));
                return;
            }
            if (!continueSent && HttpUtil.is100ContinueExpected(exchange.request())) {
                continueSent = true;
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            }
            ExchangeHandler.resumeReading(ctx);
        }

        /** Forwards one part of the agent's request body; the last part starts the response timeout. */
        void clientContent(HttpContent content) {
            if (finished || upstream == null || upstreamReleased) {
                ReferenceCountUtil.release(content);
                return;
            }
            if (content.content().isReadable()) {
                bodyForwarded = true;
            }
            if (content instanceof LastHttpContent last) {
                requestEndReceived = true;
                upstream.writeAndFlush(withoutTrailers(last))
                        .addListener((ChannelFuture write) -> onRequestSent(write));
                return;
            }
            upstream.writeAndFlush(content).addListener((ChannelFuture write) -> onUpstreamWrite(write));
            if (!upstream.isWritable()) {
                ExchangeHandler.pauseReading(ctx);
                waitingForUpstreamWritability = true;
            }
        }

        /** Reports a failed write, unless it was on a connection this call has already given up for a retry. */
        private void onUpstreamWrite(ChannelFuture write) {
            if (!write.isSuccess() && write.channel() == upstream) {
                upstreamFailed(write.cause());
            }
        }

        private void onRequestSent(ChannelFuture write) {
            if (write.channel() != upstream) {
                return;
            }
            if (!write.isSuccess()) {
                upstreamFailed(write.cause());
                return;
            }
            requestSent = true;
            if (upstreamHead == null && !finished) {
                Duration timeout = exchange.route().responseTimeout();
                responseTimeout = ctx.executor().schedule(this::responseTimedOut, timeout.toNanos(),
                        TimeUnit.NANOSECONDS);
            }
        }

        private void responseTimedOut() {
            if (finished || upstreamHead != null) {
                return;
            }
            log.debug("Request {}: backend did not respond within {}", exchange.requestId(),
                    exchange.route().responseTimeout());
            failBeforeResponse(HttpResponseStatus.GATEWAY_TIMEOUT, "backend_timeout", "Backend timeout",
                    "the backend of tool \"" + exchange.route().tool() + "\" did not respond within "
                            + exchange.route().responseTimeout().toMillis() + " ms");
        }

        @Override
        public void upstreamRead(Object msg) {
            if (finished) {
                ReferenceCountUtil.release(msg);
                return;
            }
            responseDataReceived = true;
            if (msg instanceof HttpResponse head && !onResponseHead(head)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpContent content) {
                onResponseContent(content);
            } else if (msg instanceof HttpResponse) {
                ctx.flush();
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        /** Handles a response head; returns whether content in the same message should be processed. */
        private boolean onResponseHead(HttpResponse head) {
            if (!head.decoderResult().isSuccess()) {
                upstreamFailed(head.decoderResult().cause());
                return false;
            }
            String protectedOption = GatewayHeaders.protectedConnectionOption(head.headers());
            if (protectedOption != null) {
                failBeforeResponse(HttpResponseStatus.BAD_GATEWAY, "backend_failed", "Backend failed",
                        "the backend of tool \"" + exchange.route().tool() + "\" listed a field the gateway sets or "
                                + "strips in Connection: \"" + protectedOption + "\"");
                return false;
            }
            String transferCoding = unsupportedTransferCoding(head);
            if (transferCoding != null) {
                // The gateway does not decode transfer codings, and dropping one would mislabel the body.
                failBeforeResponse(HttpResponseStatus.BAD_GATEWAY, "backend_failed", "Backend failed",
                        "the backend of tool \"" + exchange.route().tool() + "\" sent Transfer-Encoding \""
                                + transferCoding + "\" (expected: none or exactly chunked)");
                return false;
            }
            if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // Expect is not forwarded, so interim responses carry nothing for the agent.
                skippingInformational = !(head instanceof LastHttpContent);
                return false;
            }
            cancelResponseTimeout();
            upstreamHead = head;
            responseHeadSent = true;
            ctx.write(ClientResponses.head(head, exchange.request()));
            return true;
        }

        private void onResponseContent(HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            if (skippingInformational) {
                skippingInformational = !last;
                ReferenceCountUtil.release(content);
                return;
            }
            if (!content.decoderResult().isSuccess()) {
                ReferenceCountUtil.release(content);
                upstreamFailed(content.decoderResult().cause());
                return;
            }
            responseBytes += content.content().readableBytes();
            if (!last) {
                ctx.writeAndFlush(content);
                if (!ctx.channel().isWritable()) {
                    upstream.config().setAutoRead(false);
                }
                return;
            }
            services.metrics().upstreamLatency(exchange.route().tool(),
                    Duration.ofNanos(System.nanoTime() - forwardStartNanos));
            releaseUpstream(requestSent && HttpUtil.isKeepAlive(upstreamHead));
            detach();
            int status = upstreamHead.status().code();
            ctx.writeAndFlush(withoutTrailers((LastHttpContent) content)).addListener((ChannelFuture written) ->
                    finish(status, written.isSuccess() ? null : "sending the response to the client failed"));
        }

        @Override
        public void upstreamFailed(Throwable cause) {
            if (finished) {
                return;
            }
            log.debug("Request {}: upstream connection failed", exchange.requestId(), cause);
            if (retryOnNewConnection()) {
                return;
            }
            if (responseHeadSent) {
                abortMidResponse("the backend connection failed during the response");
                return;
            }
            failBeforeResponse(HttpResponseStatus.BAD_GATEWAY, "backend_failed", "Backend failed",
                    "the backend of tool \"" + exchange.route().tool() + "\" failed before completing a response");
        }

        @Override
        public void upstreamClosed() {
            if (finished || retryOnNewConnection()) {
                return;
            }
            if (responseHeadSent) {
                abortMidResponse("the backend closed the connection during the response");
                return;
            }
            failBeforeResponse(HttpResponseStatus.BAD_GATEWAY, "backend_failed", "Backend failed",
                    "the backend of tool \"" + exchange.route().tool() + "\" closed the connection without a response");
        }

        @Override
        public void upstreamWritabilityChanged(boolean writable) {
            if (writable && waitingForUpstreamWritability && !finished) {
                waitingForUpstreamWritability = false;
                ExchangeHandler.resumeReading(ctx);
            }
        }

        void clientWritabilityChanged(boolean writable) {
            if (upstream != null && !upstreamReleased) {
                upstream.config().setAutoRead(writable);
            }
        }

        /** Ends the call whose request body missed its deadline: 408 before a response, else a truncation. */
        void clientBodyTimedOut(RequestBodyTimeoutEvent timeout) {
            if (finished) {
                return;
            }
            if (responseHeadSent) {
                abortMidResponse(timeout.detail());
                return;
            }
            failBeforeResponse(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout", "Request body timeout",
                    timeout.detail());
        }

        /**
         * Ends the call whose request body could not be decoded. The exchange handler sends the response and closes
         * the connection, so this only aborts the upstream request and audits the status the client gets.
         */
        void clientBodyMalformed(MalformedRequestBodyEvent malformed) {
            if (finished) {
                return;
            }
            releaseUpstream(false);
            detach();
            Integer status = responseHeadSent ? Integer.valueOf(upstreamHead.status().code()) : malformed.status();
            finish(status, malformed.reason());
        }

        void clientClosed() {
            if (finished) {
                return;
            }
            releaseUpstream(false);
            detach();
            finish(responseHeadSent ? upstreamHead.status().code() : null, "client closed the connection");
        }

        /**
         * Sends the request again on a new connection when the reused connection it went out on failed before any
         * response byte arrived, the method is idempotent and no body bytes were forwarded. Returns whether it did.
         * A call is sent again at most once, and then on a new connection that no other call has used.
         */
        private boolean retryOnNewConnection() {
            boolean retryable = upstreamReused && !retried && !responseDataReceived && !bodyForwarded
                    && UpstreamRequests.isIdempotent(upstreamRequest.method());
            if (!retryable) {
                return false;
            }
            retried = true;
            log.debug("Request {}: reused backend connection closed before the response; retrying on a new "
                    + "connection", exchange.requestId());
            services.metrics().upstreamRetry(exchange.route().tool());
            cancelResponseTimeout();
            requestSent = false;
            waitingForUpstreamWritability = false;
            if (!requestEndReceived) {
                // Body parts must wait for the new connection, so the flow control handler queues them meanwhile.
                ExchangeHandler.pauseReading(ctx);
            }
            releaseUpstream(false);
            upstream = null;
            upstreamPooled = false;
            services.upstreams().connectNew(ctx.channel().eventLoop(), exchange.route())
                    .addListener((Future<Channel> connected) -> onAcquired(connected));
            return true;
        }

        /** Sends a problem response, closes the upstream connection, and audits the outcome. */
        private void failBeforeResponse(HttpResponseStatus status, String typeName, String title, String detail) {
            releaseUpstream(false);
            detach();
            ctx.writeAndFlush(ProblemResponses.problem(status, typeName, title, detail, exchange.requestId()))
                    .addListener((ChannelFuture written) -> finish(status.code(), detail));
        }

        /** Ends a response already under way by closing the agent connection, so the truncation is visible. */
        private void abortMidResponse(String reason) {
            releaseUpstream(false);
            detach();
            ctx.close();
            finish(upstreamHead.status().code(), reason);
        }

        private void releaseUpstream(boolean reusable) {
            if (upstream == null || upstreamReleased) {
                return;
            }
            upstreamReleased = true;
            UpstreamRelayHandler relay = UpstreamRelayHandler.of(upstream);
            if (relay != null) {
                relay.detach();
            }
            if (!upstreamPooled) {
                upstream.close();
                return;
            }
            if (!reusable) {
                upstream.close();
            }
            pool.release(upstream);
        }

        /** Stops routing agent connection events to this call, so the next request can start its own. */
        private void detach() {
            if (call == this) {
                call = null;
            }
        }

        private void finish(Integer status, String reason) {
            if (finished) {
                return;
            }
            finished = true;
            cancelResponseTimeout();
            long durationMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exchange.startNanos());
            services.audit().appendWithoutWaiting(
                    AuditEvents.outcome(exchange, status, responseBytes, durationMillis, reason));
        }

        private void cancelResponseTimeout() {
            if (responseTimeout != null) {
                responseTimeout.cancel(false);
                responseTimeout = null;
            }
        }
    }

    /**
     * Returns the response's {@code Transfer-Encoding} values joined by commas unless they are absent or exactly
     * {@code chunked}, else {@code null}. Control characters, quotes and backslashes become {@code ?}.
     */
    private static String unsupportedTransferCoding(HttpResponse head) {
        List<String> values = head.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (values.isEmpty() || (values.size() == 1 && values.get(0).trim().equalsIgnoreCase("chunked"))) {
            return null;
        }
        return String.join(", ", values).replaceAll("[\\p{Cntrl}\"\\\\]", "?");
    }

    /** Returns {@code last} without trailer fields, which are not forwarded; releases {@code last} if copied. */
    private static LastHttpContent withoutTrailers(LastHttpContent last) {
        if (last.trailingHeaders().isEmpty()) {
            return last;
        }
        LastHttpContent copy = new DefaultLastHttpContent(last.content().retain());
        last.release();
        return copy;
    }
}
