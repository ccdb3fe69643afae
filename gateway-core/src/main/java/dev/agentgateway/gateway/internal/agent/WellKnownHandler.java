package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.token.TokenServices;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.function.Supplier;

/**
 * Serves {@code GET /.well-known/oauth-authorization-server} (RFC 8414 metadata) and
 * {@code GET /.well-known/jwks.json} (the gateway's public keys). Other methods get 405; other paths under
 * {@code /.well-known/} get 404.
 */
@Sharable
final class WellKnownHandler extends ChannelInboundHandlerAdapter {

    static final String METADATA_PATH = "/.well-known/oauth-authorization-server";
    static final String JWKS_PATH = "/.well-known/jwks.json";
    private static final String PREFIX = "/.well-known/";

    private final TokenServices tokens;

    WellKnownHandler(TokenServices tokens) {
        this.tokens = tokens;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Exchange exchange) || !exchange.target().path().startsWith(PREFIX)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String path = exchange.target().path();
        if (path.equals(METADATA_PATH)) {
            exchange.endpoint(Exchange.Endpoint.METADATA);
            ctx.writeAndFlush(document(exchange, tokens::metadataJson));
        } else if (path.equals(JWKS_PATH)) {
            exchange.endpoint(Exchange.Endpoint.JWKS);
            ctx.writeAndFlush(document(exchange, tokens::jwksJson));
        } else {
            ctx.writeAndFlush(ProblemResponses.problem(HttpResponseStatus.NOT_FOUND, "not_found", "Not found",
                    "no document at \"" + path + "\"", exchange.requestId()));
        }
    }

    private static FullHttpResponse document(Exchange exchange, Supplier<String> json) {
        if (!exchange.request().method().equals(HttpMethod.GET)) {
            return methodNotAllowed(exchange, "GET");
        }
        return ProblemResponses.jsonResponse(200, json.get());
    }

    /** Returns 405 naming the one method {@code allowed} at the exchange's path. */
    static FullHttpResponse methodNotAllowed(Exchange exchange, String allowed) {
        FullHttpResponse response = ProblemResponses.problem(HttpResponseStatus.METHOD_NOT_ALLOWED,
                "method_not_allowed", "Method not allowed", "method " + exchange.method() + " is not allowed at \""
                        + exchange.target().path() + "\" (expected: " + allowed + ")",
                exchange.requestId());
        response.headers().set(HttpHeaderNames.ALLOW, allowed);
        return response;
    }
}
