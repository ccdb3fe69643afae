package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.gateway.internal.http.DPoPNonceHeader;
import dev.agentgateway.policy.AccessRequest;
import dev.agentgateway.policy.Decision;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the policy whether the principal may make this call: tool of the route, method as received, and the
 * normalized path relative to the route prefix. A denial is audited, and its response
 * comes from {@link ProblemResponses#denied}. A 401 challenge to an anonymous caller on a route that uses DPoP
 * nonces carries a fresh nonce in {@code DPoP-Nonce}.
 */
@Sharable
final class AuthorizationHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(AuthorizationHandler.class);

    private final AgentServices services;

    AuthorizationHandler(AgentServices services) {
        this.services = services;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Exchange exchange)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String relativePath = RouteTable.relativePath(exchange.route(), exchange.target().path());
        AccessRequest request = new AccessRequest(exchange.principal(), exchange.actor(), exchange.route().tool(),
                exchange.method(), relativePath, exchange.scopes());
        Decision decision = services.policy().decide(request);
        exchange.decision(decision);
        if (decision.allowed()) {
            ctx.fireChannelRead(exchange);
            return;
        }
        log.debug("Request {} denied: {} ({})", exchange.requestId(), decision.missingAuthority().wireName(),
                decision.reason());
        FullHttpResponse response = ProblemResponses.denied(decision, exchange.call() == null,
                services.tokens().dpopAlgorithms(), exchange.requestId());
        if (response.headers().contains(HttpHeaderNames.WWW_AUTHENTICATE) && exchange.call() == null) {
            // The anonymous caller is asked to authenticate, so it gets the nonce its first proof needs.
            DPoPNonceHeader.apply(response.headers(), services.tokens().authenticator()
                    .dpopNonce(exchange.route().tool()));
        }
        Denials.auditThenSend(ctx, services, AuditEvents.decision(exchange, AuditEvents.DENY).build(), response);
    }
}
