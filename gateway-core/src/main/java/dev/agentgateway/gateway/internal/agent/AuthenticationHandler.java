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
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies the capability token and DPoP proof of a proxied request. The proof's {@code htu} is checked against
 * the public origin plus the normalized path, never against client-supplied host fields. A request without
 * credentials continues as anonymous at once. A request with credentials is verified on the authentication
 * executor, because the check may wait for the shared replay cache, and continues on the event loop afterwards.
 * Meanwhile the connection reads nothing, because reading stopped at the request head.
 *
 * <p>A request whose credentials fail any check is audited as a denial without a principal and rejected with 401
 * (400 for a malformed request) and a DPoP challenge naming the error. A request whose proof could not be checked
 * for replay, because the shared replay cache is unreachable, is audited the same way, counted, and rejected with
 * 503, so it fails closed and nothing is forwarded. A request that finds the executor's queue full is audited the
 * same way and rejected with 503 and {@code Retry-After}, and it is never verified on the event loop instead.
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
        List<String> authorizations = headers.getAll(HttpHeaderNames.AUTHORIZATION);
        List<String> proofs = headers.getAll("DPoP");
        if (authorizations.isEmpty() && proofs.isEmpty()) {
            ctx.fireChannelRead(exchange);
            return;
        }
        Credentials credentials = new Credentials(exchange.method(),
                services.publicUri(exchange.target().pathAndQuery()), exchange.route().tool(), authorizations,
                proofs);
        CompletableFuture<Optional<VerifiedCall>> verified;
        try {
            verified = CompletableFuture.supplyAsync(() -> authenticate(credentials),
                    services.authenticationExecutor());
        } catch (RejectedExecutionException e) {
            rejectOverloaded(ctx, exchange);
            return;
        }
        verified.whenComplete((call, error) -> ctx.executor().execute(() -> resume(ctx, exchange, call, error)));
    }

    private Optional<VerifiedCall> authenticate(Credentials credentials) {
        AccessTokenAuthenticator authenticator = services.tokens().authenticator();
        try {
            return authenticator.authenticate(credentials.method(), credentials.requestUri(), credentials.tool(),
                    credentials.authorizations(), credentials.proofs());
        } catch (OAuthException e) {
            throw new CompletionException(e);
        }
    }

    /** Continues on the event loop with the outcome of the verification. */
    private void resume(ChannelHandlerContext ctx, Exchange exchange, Optional<VerifiedCall> call, Throwable error) {
        if (exchange.responseStarted() || Exchange.current(ctx.channel()) != exchange) {
            // A timeout produced the response while the credentials were verified, so nothing more is sent.
            log.debug("Request {}: response already started before authentication finished", exchange.requestId());
            return;
        }
        if (error == null) {
            call.ifPresent(exchange::call);
            ctx.fireChannelRead(exchange);
            return;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof OAuthException rejected) {
            reject(ctx, exchange, rejected);
        } else {
            ctx.fireExceptionCaught(cause);
        }
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

    private void rejectOverloaded(ChannelHandlerContext ctx, Exchange exchange) {
        log.debug("Request {} rejected with 503: the authentication queue is full", exchange.requestId());
        services.metrics().authenticationOverloaded(exchange.routeName());
        Denials.auditThenSend(ctx, services,
                AuditEvents.authenticationFailure(exchange)
                        .reason(ProblemResponses.AUTHENTICATION_OVERLOADED_DETAIL)
                        .missingAuthority(MissingAuthority.AUTHENTICATION.wireName())
                        .build(),
                ProblemResponses.authenticationOverloaded(exchange.requestId()));
    }

    /** Request values for the authentication executor, copied on the event loop that owns the exchange. */
    private record Credentials(String method, URI requestUri, String tool, List<String> authorizations,
            List<String> proofs) {
    }
}
