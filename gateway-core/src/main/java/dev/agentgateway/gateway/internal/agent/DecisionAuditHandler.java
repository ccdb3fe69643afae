package dev.agentgateway.gateway.internal.agent;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends the {@code DECISION} record of an allowed call and passes the call on only once the record is durable.
 * The log commits the record on its writer thread and the call continues on the channel's event loop. Meanwhile
 * the connection reads nothing, because reading stopped at the request head and only the proxy turns it back on,
 * after the call continues on the event loop. When the record
 * cannot be made durable the response is 503 and nothing is forwarded. When the connection closed while the record
 * was written, the call gets its {@code OUTCOME} record here, because no later handler will see it.
 */
@Sharable
final class DecisionAuditHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(DecisionAuditHandler.class);

    private final AgentServices services;

    DecisionAuditHandler(AgentServices services) {
        this.services = services;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Exchange exchange)) {
            ctx.fireChannelRead(msg);
            return;
        }
        services.audit().append(AuditEvents.decision(exchange, AuditEvents.ALLOW).build(), ctx.executor())
                .whenComplete((record, error) -> {
                    if (error != null) {
                        log.debug("Request {} rejected with 503: its decision record could not be made durable",
                                exchange.requestId());
                        ctx.writeAndFlush(ProblemResponses.auditUnavailable(exchange.requestId()));
                        return;
                    }
                    exchange.decisionRecord(record);
                    if (!ctx.channel().isActive()) {
                        // The pipeline may be gone and the proxy would never see the call, so its outcome is
                        // recorded here.
                        log.debug("Request {}: connection closed before the call was forwarded",
                                exchange.requestId());
                        long durationMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime()
                                - exchange.startNanos());
                        services.audit().appendWithoutWaiting(AuditEvents.outcome(exchange, null, 0, durationMillis,
                                "client closed the connection before the call was forwarded"));
                        return;
                    }
                    ctx.fireChannelRead(exchange);
                });
    }
}
