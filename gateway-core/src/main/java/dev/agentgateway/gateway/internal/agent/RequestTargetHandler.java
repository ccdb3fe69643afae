package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.gateway.internal.http.InvalidRequestTargetException;
import dev.agentgateway.gateway.internal.http.RequestTargetNormalizer;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Normalizes the request-target of each exchange with {@link RequestTargetNormalizer}, or responds with 400. Every
 * later step (endpoint and route lookup, authentication, policy, forwarding) uses the normalized target.
 */
@Sharable
final class RequestTargetHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(RequestTargetHandler.class);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Exchange exchange)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            exchange.target(RequestTargetNormalizer.normalize(exchange.request().uri()));
        } catch (InvalidRequestTargetException e) {
            log.debug("Request {} rejected: {}", exchange.requestId(), e.getMessage());
            ctx.writeAndFlush(ProblemResponses.problem(HttpResponseStatus.BAD_REQUEST, "invalid_request_target",
                    "Invalid request target", e.getMessage(), exchange.requestId()));
            return;
        }
        ctx.fireChannelRead(exchange);
    }
}
