package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.audit.AppendedRecord;
import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.gateway.internal.http.DPoPNonceHeader;
import dev.agentgateway.gateway.internal.http.FormBodyDecoder;
import dev.agentgateway.gateway.internal.http.FormBodyDecoder.MalformedFormException;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import dev.agentgateway.token.TokenExchangeRequest;
import dev.agentgateway.token.TokenExchangeResult;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code POST /oauth2/token}: reads the form body (at most {@code maxEndpointBodySize} bytes), runs the
 * RFC 8693 token exchange on the token exchange executor, appends a {@code TOKEN_EXCHANGE} audit record for every
 * outcome, a request with another method than POST included, and only then responds. When the record cannot be made
 * durable the response is 503 and no token is sent. When the token endpoint uses DPoP nonces, every rejection
 * carries a fresh nonce, those this handler makes before any exchange (405, 408, 413, malformed body) included.
 */
@Sharable
final class TokenEndpointHandler extends ChannelInboundHandlerAdapter {

    static final String PATH = "/oauth2/token";
    private static final String FORM_TYPE = "application/x-www-form-urlencoded";
    private static final Logger log = LoggerFactory.getLogger(TokenEndpointHandler.class);

    private final AgentServices services;

    TokenEndpointHandler(AgentServices services) {
        this.services = services;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Exchange exchange && exchange.target().path().equals(PATH)) {
            exchange.endpoint(Exchange.Endpoint.TOKEN);
            onHead(ctx, exchange);
            return;
        }
        Exchange current = Exchange.current(ctx.channel());
        if (msg instanceof HttpContent content && current != null && current.endpoint() == Exchange.Endpoint.TOKEN) {
            onContent(ctx, current, content);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Rejects a token request whose body missed its deadline with 408, audited like any rejection. When the body
     * is no longer being read, a response is already on its way and the event is dropped.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        Exchange current = Exchange.current(ctx.channel());
        if (!(evt instanceof RequestBodyTimeoutEvent timeout) || current == null
                || current.endpoint() != Exchange.Endpoint.TOKEN) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (current.body() != null) {
            current.body(null);
            reject(ctx, current, 408, new OAuthException(OAuthErrorCode.INVALID_REQUEST, timeout.detail()));
        }
    }

    private void onHead(ChannelHandlerContext ctx, Exchange exchange) {
        if (!exchange.request().method().equals(HttpMethod.POST)) {
            rejectMethod(ctx, exchange);
            return;
        }
        String contentType = exchange.request().headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (!isFormContentType(contentType)) {
            reject(ctx, exchange, 400, new OAuthException(OAuthErrorCode.INVALID_REQUEST, "Content-Type "
                    + (contentType == null ? "is missing" : "\"" + contentType + "\" is not supported")
                    + " (expected: " + FORM_TYPE + ")"));
            return;
        }
        long declaredLength = HttpUtil.getContentLength(exchange.request(), 0L);
        if (declaredLength > services.limits().maxEndpointBodySize()) {
            rejectTooLarge(ctx, exchange, declaredLength);
            return;
        }
        exchange.body(new ByteArrayOutputStream());
        if (HttpUtil.is100ContinueExpected(exchange.request())) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        ExchangeHandler.resumeReading(ctx);
    }

    private void onContent(ChannelHandlerContext ctx, Exchange exchange, HttpContent content) {
        ByteArrayOutputStream body = exchange.body();
        if (body == null) {
            ReferenceCountUtil.release(content);
            return;
        }
        try {
            ByteBuf data = content.content();
            long size = (long) body.size() + data.readableBytes();
            if (size > services.limits().maxEndpointBodySize()) {
                rejectTooLarge(ctx, exchange, size);
                return;
            }
            data.readBytes(body, data.readableBytes());
        } catch (IOException e) {
            throw new IllegalStateException("copying into memory failed", e);
        } finally {
            ReferenceCountUtil.release(content);
        }
        if (content instanceof LastHttpContent) {
            exchange.body(null);
            onBody(ctx, exchange, body.toByteArray());
        }
    }

    private void onBody(ChannelHandlerContext ctx, Exchange exchange, byte[] body) {
        Map<String, List<String>> form;
        try {
            form = FormBodyDecoder.decode(body);
        } catch (MalformedFormException e) {
            reject(ctx, exchange, 400, new OAuthException(OAuthErrorCode.INVALID_REQUEST, e.getMessage()));
            return;
        } catch (RuntimeException e) {
            // The body is attacker input, so a decoder fault is an invalid request, not a server error.
            log.debug("Token request {}: form body decoding failed with {}", exchange.requestId(),
                    e.getClass().getName());
            reject(ctx, exchange, 400, new OAuthException(OAuthErrorCode.INVALID_REQUEST,
                    "form body could not be decoded (expected: " + FORM_TYPE + ")"));
            return;
        }
        TokenExchangeRequest request = new TokenExchangeRequest(exchange.method(), services.publicUri(PATH), form,
                exchange.request().headers().getAll("DPoP"));
        CompletableFuture<TokenExchangeResult> exchanged;
        try {
            exchanged = CompletableFuture.supplyAsync(() -> runExchange(request), services.tokenExchangeExecutor());
        } catch (RejectedExecutionException e) {
            exchanged = CompletableFuture.failedFuture(e);
        }
        exchanged.handle((result, error) -> outcome(exchange, result, error))
                .thenCompose(outcome -> auditThenRespond(ctx, exchange, outcome));
    }

    private TokenExchangeResult runExchange(TokenExchangeRequest request) {
        try {
            return services.tokens().tokenExchange().exchange(request);
        } catch (OAuthException e) {
            throw new CompletionException(e);
        }
    }

    private Outcome outcome(Exchange exchange, TokenExchangeResult result, Throwable error) {
        if (result != null) {
            return new Outcome(ProblemResponses.tokenIssued(result.responseJson(),
                    Optional.ofNullable(result.dpopNonce())), issuedEvent(exchange, result));
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof OAuthException rejected) {
            log.debug("Token request {} rejected: {}", exchange.requestId(), rejected.getMessage());
            int status = rejected.code().tokenEndpointStatus();
            if (rejected.code() == OAuthErrorCode.TEMPORARILY_UNAVAILABLE) {
                services.metrics().replayCacheUnavailable(exchange.routeName());
            }
            return new Outcome(ProblemResponses.tokenError(rejected), rejectedEvent(exchange, status,
                    rejected.code().wireName() + ": " + rejected.description()));
        }
        log.error("Token request {} failed unexpectedly", exchange.requestId(), cause);
        return new Outcome(ProblemResponses.tokenError(500, OAuthErrorCode.SERVER_ERROR, "internal error"),
                rejectedEvent(exchange, 500, "server_error: internal error"));
    }

    private void reject(ChannelHandlerContext ctx, Exchange exchange, int status, OAuthException error) {
        log.debug("Token request {} rejected: {}", exchange.requestId(), error.getMessage());
        FullHttpResponse response = ProblemResponses.tokenError(status, error.code(), error.description());
        offerNonce(response);
        Outcome outcome = new Outcome(response, rejectedEvent(exchange, status, error.code().wireName() + ": "
                + error.description()));
        auditThenRespond(ctx, exchange, outcome);
    }

    private void rejectMethod(ChannelHandlerContext ctx, Exchange exchange) {
        log.debug("Token request {} rejected: method {} is not allowed", exchange.requestId(), exchange.method());
        FullHttpResponse response = WellKnownHandler.methodNotAllowed(exchange, "POST");
        offerNonce(response);
        Outcome outcome = new Outcome(response, rejectedEvent(exchange, 405, "method " + exchange.method()
                + " is not allowed (expected: POST)"));
        auditThenRespond(ctx, exchange, outcome);
    }

    /**
     * Adds a fresh nonce to a rejection that the token exchange never saw, when the token endpoint uses nonces, so
     * the client's next proof can carry one.
     */
    private void offerNonce(FullHttpResponse response) {
        DPoPNonceHeader.apply(response.headers(), services.tokens().tokenExchange().dpopNonce());
    }

    private void rejectTooLarge(ChannelHandlerContext ctx, Exchange exchange, long size) {
        ExchangeHandler.pauseReading(ctx);
        exchange.body(null);
        reject(ctx, exchange, 413, new OAuthException(OAuthErrorCode.INVALID_REQUEST, "request body of at least "
                + size + " bytes is too large (expected: at most " + services.limits().maxEndpointBodySize()
                + " bytes)"));
    }

    private CompletableFuture<Void> auditThenRespond(ChannelHandlerContext ctx, Exchange exchange, Outcome outcome) {
        return services.audit().append(outcome.event(), ctx.executor())
                .handle((AppendedRecord record, Throwable auditError) -> auditError == null)
                .thenAccept(durable -> respond(ctx, exchange, outcome, durable));
    }

    private void respond(ChannelHandlerContext ctx, Exchange exchange, Outcome outcome, boolean durable) {
        if (durable) {
            ctx.writeAndFlush(outcome.response());
            return;
        }
        ReferenceCountUtil.release(outcome.response());
        log.debug("Token request {} rejected with 503: its audit record could not be made durable", exchange.requestId());
        ctx.writeAndFlush(ProblemResponses.tokenError(503, OAuthErrorCode.SERVER_ERROR,
                "the audit log is unavailable, so no token was issued; retry later"));
    }

    private static AuditEvent issuedEvent(Exchange exchange, TokenExchangeResult result) {
        return AuditEvent.builder(AuditEventType.TOKEN_EXCHANGE, exchange.requestId())
                .principal(result.principal().displayName())
                .actor(AuditEvents.actorName(result.actor()))
                .tool(result.tool())
                .method(exchange.method())
                .path(PATH)
                .decision(AuditEvents.ALLOW)
                .tokenId(result.tokenId())
                .proofId(result.proofId())
                .keyThumbprint(result.keyThumbprint())
                .proofHash(CredentialHashes.proofHash(exchange.request().headers()))
                .status(200)
                .build();
    }

    private static AuditEvent rejectedEvent(Exchange exchange, int status, String reason) {
        return AuditEvent.builder(AuditEventType.TOKEN_EXCHANGE, exchange.requestId())
                .method(exchange.method())
                .path(PATH)
                .decision(AuditEvents.DENY)
                .proofHash(CredentialHashes.proofHash(exchange.request().headers()))
                .reason(reason)
                .status(status)
                .build();
    }

    private static boolean isFormContentType(String contentType) {
        if (contentType == null) {
            return false;
        }
        String[] parts = contentType.split(";");
        if (!parts[0].trim().equalsIgnoreCase(FORM_TYPE)) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].trim().toLowerCase(Locale.ROOT);
            if (parameter.startsWith("charset=") && !parameter.equals("charset=utf-8")
                    && !parameter.equals("charset=\"utf-8\"")) {
                return false;
            }
        }
        return true;
    }

    /** The response to send and the audit event that must be durable first. */
    private record Outcome(FullHttpResponse response, AuditEvent event) {
    }
}
