package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.audit.AuditEvent;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;

/** Sends denials after their audit record has been appended. */
final class Denials {

    private Denials() {
    }

    /**
     * Appends {@code event}, then sends {@code response} on the connection's event loop. The denial is sent even
     * when the append fails, because nothing is forwarded either way; the recorder counts and logs the failure.
     */
    static void auditThenSend(ChannelHandlerContext ctx, AgentServices services, AuditEvent event,
            FullHttpResponse response) {
        services.metrics().denied(event.missingAuthority());
        services.audit().append(event, ctx.executor())
                .whenComplete((record, error) -> ctx.writeAndFlush(response));
    }
}
