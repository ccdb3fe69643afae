package dev.agentgateway.gateway.internal.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Enforces a deadline for receiving a request's header section, so a client that trickles header bytes (slowloris)
 * cannot hold a connection open. The deadline starts with the first byte of a request and stops when its header
 * section is decoded. On expiry a {@link RequestHeaderTimeoutEvent} is fired down the pipeline, whose handler
 * responds with 408 and closes the connection. Waiting for the first byte of a request is covered by the idle
 * timeout instead.
 */
public final class RequestHeaderTimeoutHandler extends ChannelInboundHandlerAdapter implements HeaderSectionListener {

    private final long timeoutNanos;
    private ChannelHandlerContext context;
    private ScheduledFuture<?> deadline;

    public RequestHeaderTimeoutHandler(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.context = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void headerSectionStarted() {
        if (deadline == null && context != null) {
            deadline = context.executor().schedule(this::expire, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void headerSectionEnded() {
        cancel();
    }

    private void expire() {
        deadline = null;
        if (context.channel().isActive()) {
            context.fireUserEventTriggered(RequestHeaderTimeoutEvent.INSTANCE);
        }
    }

    private void cancel() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
