package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.policy.AccessRequest;
import dev.agentgateway.policy.Decision;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the policy whether the principal may make this call: tool of the route, method as received, and the
 * normalized path relative to the route prefix. A denial is audited, and its response
 * comes from {@link ProblemResponses#denied}.
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
        Denials.auditThenSend(ctx, services, AuditEvents.decision(exchange, AuditEvents.DENY).build(),
                ProblemResponses.denied(decision, exchange.call() == null, services.tokens().dpopAlgorithms(),
                        exchange.requestId()));
    }
}
