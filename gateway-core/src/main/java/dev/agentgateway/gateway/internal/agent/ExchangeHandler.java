package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.gateway.internal.http.DPoPNonceHeader;
import dev.agentgateway.gateway.internal.http.HttpFramingException;
import dev.agentgateway.gateway.internal.http.HttpLimits;
import dev.agentgateway.gateway.internal.http.RequestHeaderTimeoutEvent;
import dev.agentgateway.gateway.internal.metrics.GatewayMetrics;
import dev.agentgateway.gateway.internal.proxy.ClientResponses;
import dev.agentgateway.gateway.internal.proxy.UpstreamRequests;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the request/response cycle of one agent connection. Reading stops (auto-read off) when a request head
 * arrives and again when its end arrives, and a {@code FlowControlHandler} before this handler queues whatever
 * was already decoded. So a request is processed completely before the next one is read, and no handler receives
 * body data before it turns reading back on with {@link #resumeReading}.
 *
 * <p>Inbound, it rejects malformed requests (400, 414, 417, 431, 505) and header read timeouts (408) and closes,
 * dropping every message decoded after a response that closes the connection, so no later request on it is
 * decided or audited. It wraps each valid request head into an {@link Exchange} for the handlers after it, and
 * drops body data of a request whose response has started. Outbound, it adds {@code X-Request-Id} to every
 * response. To every response to a verified call whose proof check issued a fresh nonce, it adds
 * {@code DPoP-Nonce} and sets {@code Cache-Control: no-store} in place of the backend's cache directives. It
 * decides whether the connection stays open, counts the response, and reads the next request once both the
 * request and the response are complete. Idle connections are closed when the idle timeout fires between
 * requests. A request body that does not arrive within its deadline fires a {@link RequestBodyTimeoutEvent} and
 * the connection closes after the response.
 */
final class ExchangeHandler extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(ExchangeHandler.class);

    private final GatewayMetrics metrics;
    private final HttpLimits limits;
    private Exchange current;
    private boolean requestComplete;
    private boolean finalResponseInProgress;
    private boolean closeAfterResponse;
    private ScheduledFuture<?> bodyDeadline;

    ExchangeHandler(GatewayMetrics metrics, HttpLimits limits) {
        this.metrics = metrics;
        this.limits = limits;
    }

    /** Turns reading on, so the body of the current request (or the next request) arrives. */
    static void resumeReading(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(true);
    }

    /** Turns reading off; messages decoded meanwhile wait in the flow control handler. */
    static void pauseReading(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closeAfterResponse && current == null) {
            // The connection ends with the response already sent or being sent, so nothing read after it is a call.
            ReferenceCountUtil.release(msg);
            pauseReading(ctx);
            return;
        }
        if (msg instanceof HttpRequest request) {
            onRequestHead(ctx, request);
        } else if (msg instanceof HttpContent content) {
            onRequestContent(ctx, content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequestHead(ChannelHandlerContext ctx, HttpRequest request) {
        if (closeAfterResponse) {
            // A head queued behind a request whose response closes the connection is never processed.
            ReferenceCountUtil.release(request);
            pauseReading(ctx);
            return;
        }
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            ReferenceCountUtil.release(request);
            rejectMalformed(ctx, cause);
            return;
        }
        if (current != null) {
            // Reading is off while an exchange is in progress, so a second head here means the handlers lost track.
            ReferenceCountUtil.release(request);
            log.warn("Closing connection {}: a request arrived while request {} was in progress",
                    ctx.channel().remoteAddress(), current.requestId());
            ctx.close();
            return;
        }
        pauseReading(ctx);
        current = new Exchange(RequestIds.next(), request, System.nanoTime());
        requestComplete = false;
        ctx.channel().attr(Exchange.CURRENT).set(current);
        Exchange exchange = current;
        ctx.fireChannelRead(exchange);
        startBodyDeadline(ctx, exchange);
    }

    /**
     * Starts the deadline for the body of {@code exchange}, which the idle timeout cannot enforce because every
     * trickled byte resets it. The handlers set the endpoint while the head passes through, so it is known here.
     */
    private void startBodyDeadline(ChannelHandlerContext ctx, Exchange exchange) {
        if (current != exchange || requestComplete || !exchange.hasBody() || bodyDeadline != null) {
            return;
        }
        Duration timeout = exchange.endpoint() == Exchange.Endpoint.PROXY ? limits.proxiedBodyTimeout()
                : limits.endpointBodyTimeout();
        bodyDeadline = ctx.executor().schedule(() -> bodyTimedOut(ctx, exchange, timeout), timeout.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    private void bodyTimedOut(ChannelHandlerContext ctx, Exchange exchange, Duration timeout) {
        bodyDeadline = null;
        if (current != exchange || requestComplete || !ctx.channel().isActive()) {
            return;
        }
        log.debug("Request {}: body did not arrive within {} ms; closing the connection", exchange.requestId(),
                timeout.toMillis());
        closeAfterResponse = true;
        pauseReading(ctx);
        ctx.fireUserEventTriggered(new RequestBodyTimeoutEvent(timeout));
    }

    private void cancelBodyDeadline() {
        if (bodyDeadline != null) {
            bodyDeadline.cancel(false);
            bodyDeadline = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelBodyDeadline();
        ctx.fireChannelInactive();
    }

    private void onRequestContent(ChannelHandlerContext ctx, HttpContent content) {
        if (current == null) {
            ReferenceCountUtil.release(content);
            return;
        }
        if (!content.decoderResult().isSuccess()) {
            Throwable cause = content.decoderResult().cause();
            ReferenceCountUtil.release(content);
            Integer status = current.responseStarted() ? null : statusFor(cause).code();
            ctx.fireUserEventTriggered(new MalformedRequestBodyEvent(status, "malformed request body: "
                    + cause.getMessage()));
            rejectMalformed(ctx, cause);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (last) {
            requestComplete = true;
            cancelBodyDeadline();
            pauseReading(ctx);
        }
        if (!current.responseStarted()) {
            ctx.fireChannelRead(content);
            return;
        }
        ReferenceCountUtil.release(content);
        if (last && !finalResponseInProgress) {
            finishExchange(ctx);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == RequestHeaderTimeoutEvent.INSTANCE) {
            onHeaderTimeout(ctx);
        } else if (evt instanceof IdleStateEvent) {
            if (current == null) {
                log.debug("Closing idle connection {}", ctx.channel().remoteAddress());
                ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void onHeaderTimeout(ChannelHandlerContext ctx) {
        if (current != null) {
            // The next request is trickling in behind the one in progress, so end the connection after it.
            closeAfterResponse = true;
            return;
        }
        log.debug("Request header section from {} timed out", ctx.channel().remoteAddress());
        String requestId = newRequestId();
        sendAndClose(ctx, ProblemResponses.problem(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout",
                "Request header timeout", "the request header section did not arrive in time", requestId), requestId);
    }

    private void rejectMalformed(ChannelHandlerContext ctx, Throwable cause) {
        HttpResponseStatus status = statusFor(cause);
        log.debug("Rejected malformed request from {} with {}: {}", ctx.channel().remoteAddress(), status.code(),
                cause.getMessage());
        if (current != null && current.responseStarted()) {
            ctx.close();
            return;
        }
        String requestId = current != null ? current.requestId() : newRequestId();
        sendAndClose(ctx, ProblemResponses.problem(status, "malformed_request", "Malformed request",
                String.valueOf(cause.getMessage()), requestId), requestId);
    }

    static HttpResponseStatus statusFor(Throwable cause) {
        if (cause instanceof HttpFramingException framing) {
            return HttpResponseStatus.valueOf(framing.status());
        }
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    private void sendAndClose(ChannelHandlerContext ctx, FullHttpResponse response, String requestId) {
        response.headers().set(UpstreamRequests.REQUEST_ID, requestId);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (current != null) {
            current.markResponseStarted();
        }
        closeAfterResponse = true;
        pauseReading(ctx);
        metrics.requestAnswered(current != null ? current.routeName() : "none", response.status().code());
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private static String newRequestId() {
        return RequestIds.next();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
            prepareResponseHead(response);
        }
        if (msg instanceof LastHttpContent && finalResponseInProgress) {
            ChannelPromise tracked = promise.unvoid();
            tracked.addListener((ChannelFuture future) -> onResponseWritten(ctx, future));
            ctx.write(msg, tracked);
            return;
        }
        ctx.write(msg, promise);
    }

    private void prepareResponseHead(HttpResponse response) {
        finalResponseInProgress = true;
        int status = response.status().code();
        if (current == null) {
            response.headers().set(UpstreamRequests.REQUEST_ID, newRequestId());
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            closeAfterResponse = true;
            metrics.requestAnswered("none", status);
            return;
        }
        current.markResponseStarted();
        response.headers().set(UpstreamRequests.REQUEST_ID, current.requestId());
        addNonce(response);
        HttpRequest request = current.request();
        boolean keepAlive = !closeAfterResponse
                && HttpUtil.isKeepAlive(request)
                && (requestComplete || !current.hasBody())
                && hasDelimitedBody(response, request);
        if (!keepAlive) {
            closeAfterResponse = true;
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.protocolVersion().minorVersion() == 0) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        metrics.requestAnswered(current.routeName(), status);
    }

    /**
     * Adds the fresh nonce of a verified call. A nonce the header cannot carry is a fault of the nonce source, so
     * it is logged and the response goes out without it, and the agent's next proof gets a new nonce challenge.
     */
    private void addNonce(HttpResponse response) {
        if (current.call() == null) {
            return;
        }
        try {
            DPoPNonceHeader.apply(response.headers(), current.call().dpopNonce());
        } catch (IllegalArgumentException e) {
            log.error("Request {}: DPoP-Nonce not sent: {}", current.requestId(), e.getMessage());
        }
    }

    /** Returns whether the client can find the end of the response body without the connection closing. */
    private static boolean hasDelimitedBody(HttpResponse response, HttpRequest request) {
        return response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
                || HttpUtil.isTransferEncodingChunked(response)
                || ClientResponses.hasNoBody(request.method(), response.status().code());
    }

    private void onResponseWritten(ChannelHandlerContext ctx, ChannelFuture future) {
        finalResponseInProgress = false;
        if (!future.isSuccess() || closeAfterResponse) {
            ctx.close();
            return;
        }
        if (requestComplete) {
            finishExchange(ctx);
        } else if (current != null && !current.hasBody()) {
            // The empty end of the request is still queued, and reading it completes the exchange.
            resumeReading(ctx);
        } else {
            ctx.close();
        }
    }

    private void finishExchange(ChannelHandlerContext ctx) {
        cancelBodyDeadline();
        current = null;
        requestComplete = false;
        ctx.channel().attr(Exchange.CURRENT).set(null);
        resumeReading(ctx);
    }
}
