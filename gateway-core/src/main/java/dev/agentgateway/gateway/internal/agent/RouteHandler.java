package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.config.RouteConfig;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Selects the proxied route whose prefix is the longest match of the normalized path, or responds with 404. */
@Sharable
final class RouteHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(RouteHandler.class);

    private final RouteTable routes;

    RouteHandler(RouteTable routes) {
        this.routes = routes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Exchange exchange)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String path = exchange.target().path();
        Optional<RouteConfig> route = routes.match(path);
        if (route.isEmpty()) {
            log.debug("Request {} rejected: no route for {}", exchange.requestId(), path);
            ctx.writeAndFlush(ProblemResponses.problem(HttpResponseStatus.NOT_FOUND, "not_found", "Not found",
                    "no route matches path \"" + path + "\"", exchange.requestId()));
            return;
        }
        exchange.route(route.get());
        ctx.fireChannelRead(exchange);
    }
}
