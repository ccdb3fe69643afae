package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.policy.MissingAuthority;
import dev.agentgateway.token.AccessTokenAuthenticator;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import dev.agentgateway.token.VerifiedCall;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies the capability token and DPoP proof of a proxied request. The proof's {@code htu} is checked against
 * the public origin plus the normalized path, never against client-supplied host fields. A request without
 * credentials continues as anonymous. A request whose credentials fail any check is audited as a denial without a
 * principal and rejected with 401 (400 for a malformed request) and a DPoP challenge naming the error. A request
 * whose proof could not be checked for replay, because the shared replay cache is unreachable, is audited the same
 * way, counted, and rejected with 503: it fails closed and nothing is forwarded.
 */
@Sharable
final class AuthenticationHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(AuthenticationHandler.class);

    private final AgentServices services;

    AuthenticationHandler(AgentServices services) {
        this.services = services;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Exchange exchange)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpHeaders headers = exchange.request().headers();
        AccessTokenAuthenticator authenticator = services.tokens().authenticator();
        Optional<VerifiedCall> call;
        // NOTE: the token and proof signatures are verified here on the event loop, two ECDSA verifications per
        // request with the JDK's default provider. No benchmark has measured what that costs under load yet.
        try {
            call = authenticator.authenticate(exchange.method(), services.publicUri(exchange.target().pathAndQuery()),
                    exchange.route().tool(), headers.getAll(HttpHeaderNames.AUTHORIZATION), headers.getAll("DPoP"));
        } catch (OAuthException e) {
            reject(ctx, exchange, e);
            return;
        }
        call.ifPresent(exchange::call);
        ctx.fireChannelRead(exchange);
    }

    private void reject(ChannelHandlerContext ctx, Exchange exchange, OAuthException error) {
        log.debug("Request {} rejected: {}: {}", exchange.requestId(), error.code().wireName(), error.getMessage());
        if (error.code() == OAuthErrorCode.TEMPORARILY_UNAVAILABLE) {
            services.metrics().replayCacheUnavailable(exchange.routeName());
        }
        Denials.auditThenSend(ctx, services,
                AuditEvents.authenticationFailure(exchange)
                        .reason(error.code().wireName() + ": " + error.description())
                        .missingAuthority(MissingAuthority.AUTHENTICATION.wireName())
                        .build(),
                ProblemResponses.authenticationFailed(error, services.tokens().dpopAlgorithms(),
                        exchange.requestId()));
    }
}
