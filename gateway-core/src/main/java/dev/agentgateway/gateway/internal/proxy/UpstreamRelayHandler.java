package dev.agentgateway.gateway.internal.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last handler of a pooled upstream connection: passes its events to the call currently using the connection.
 * While the connection sits idle in the pool, unexpected response data or the route's idle timeout closes it.
 */
public final class UpstreamRelayHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(UpstreamRelayHandler.class);

    private UpstreamListener listener;
    private int callsAttached;

    /** Returns the relay of an upstream connection created by {@link UpstreamPools}. */
    public static UpstreamRelayHandler of(Channel upstream) {
        return upstream.pipeline().get(UpstreamRelayHandler.class);
    }

    /** Routes the connection's events to {@code callListener} until {@link #detach()}. */
    public void attach(UpstreamListener callListener) {
        this.listener = callListener;
        callsAttached++;
    }

    /** Returns whether the connection served an earlier call before the one attached now. */
    public boolean reused() {
        return callsAttached > 1;
    }

    public void detach() {
        this.listener = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (listener != null) {
            listener.upstreamRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        log.debug("Closing idle upstream connection {}: it sent data while no call was using it",
                ctx.channel().remoteAddress());
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.upstreamClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Upstream connection {} failed", ctx.channel().remoteAddress(), cause);
        if (listener != null) {
            listener.upstreamFailed(cause);
        }
        ctx.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.upstreamWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && listener == null) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
