package dev.agentgateway.gateway.internal.agent;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last handler of the agent pipeline: responds with 500 and closes when a handler threw, closes on I/O errors,
 * responds with 408 to request body timeouts no other handler consumed, and releases anything no handler consumed.
 */
@Sharable
final class UnhandledErrorHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(UnhandledErrorHandler.class);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    /** Responds with 408 to a request body timeout no other handler consumed, or closes when a response started. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof RequestBodyTimeoutEvent timeout)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        Exchange exchange = Exchange.current(ctx.channel());
        if (exchange == null || exchange.responseStarted()) {
            ctx.close();
            return;
        }
        ctx.writeAndFlush(ProblemResponses.problem(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout",
                "Request body timeout", timeout.detail(), exchange.requestId()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("Connection {} failed", ctx.channel().remoteAddress(), cause);
            ctx.close();
            return;
        }
        Exchange exchange = Exchange.current(ctx.channel());
        String requestId = exchange == null ? "none" : exchange.requestId();
        log.error("Request {} failed unexpectedly; closing the connection", requestId, cause);
        if (exchange == null || exchange.responseStarted() || !ctx.channel().isActive()) {
            ctx.close();
            return;
        }
        ctx.writeAndFlush(ProblemResponses.problem(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error",
                "Internal error", "the gateway failed to process the request", requestId))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
