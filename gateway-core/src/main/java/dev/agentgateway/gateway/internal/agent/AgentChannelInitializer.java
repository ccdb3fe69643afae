package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.gateway.internal.http.HttpFramingValidator;
import dev.agentgateway.gateway.internal.http.HttpLimits;
import dev.agentgateway.gateway.internal.http.RequestHeaderTimeoutHandler;
import dev.agentgateway.gateway.internal.http.StrictHttpServerCodec;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Builds the agent listener pipeline with one handler per step of a call. The steps are decode (codec, header
 * deadline, framing rules), one message per read, the exchange lifecycle, normalize, the gateway's own endpoints,
 * route, authenticate, authorize, audit, and proxy (rewrite, forward, complete). A last handler catches
 * unexpected errors.
 */
@Sharable
public final class AgentChannelInitializer extends ChannelInitializer<Channel> {

    private final AgentServices services;
    private final HttpFramingValidator framingValidator;
    private final RequestTargetHandler requestTargetHandler = new RequestTargetHandler();
    private final WellKnownHandler wellKnownHandler;
    private final TokenEndpointHandler tokenEndpointHandler;
    private final RouteHandler routeHandler;
    private final AuthenticationHandler authenticationHandler;
    private final AuthorizationHandler authorizationHandler;
    private final DecisionAuditHandler decisionAuditHandler;
    private final UnhandledErrorHandler unhandledErrorHandler = new UnhandledErrorHandler();

    public AgentChannelInitializer(AgentServices services) {
        this.services = services;
        this.framingValidator = new HttpFramingValidator(services.limits().maxHeaderCount());
        this.wellKnownHandler = new WellKnownHandler(services.tokens());
        this.tokenEndpointHandler = new TokenEndpointHandler(services);
        this.routeHandler = new RouteHandler(services.routes());
        this.authenticationHandler = new AuthenticationHandler(services);
        this.authorizationHandler = new AuthorizationHandler(services);
        this.decisionAuditHandler = new DecisionAuditHandler(services);
    }

    @Override
    protected void initChannel(Channel channel) {
        HttpLimits limits = services.limits();
        RequestHeaderTimeoutHandler headerTimeout = new RequestHeaderTimeoutHandler(limits.headerReadTimeout());
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("idle", new IdleStateHandler(0, 0, limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS));
        pipeline.addLast("codec", new StrictHttpServerCodec(limits, headerTimeout));
        pipeline.addLast("header-timeout", headerTimeout);
        pipeline.addLast("framing", framingValidator);
        pipeline.addLast("flow-control", new FlowControlHandler());
        pipeline.addLast("exchange", new ExchangeHandler(services.metrics(), limits));
        pipeline.addLast("normalize", requestTargetHandler);
        pipeline.addLast("well-known", wellKnownHandler);
        pipeline.addLast("token-endpoint", tokenEndpointHandler);
        pipeline.addLast("route", routeHandler);
        pipeline.addLast("authenticate", authenticationHandler);
        pipeline.addLast("authorize", authorizationHandler);
        pipeline.addLast("audit", decisionAuditHandler);
        pipeline.addLast("proxy", new ProxyHandler(services));
        pipeline.addLast("errors", unhandledErrorHandler);
    }
}
