package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.audit.AppendedRecord;
import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.gateway.internal.http.RequestTarget;
import dev.agentgateway.policy.Actor;
import dev.agentgateway.policy.Decision;
import dev.agentgateway.policy.Principal;
import dev.agentgateway.token.VerifiedCall;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AttributeKey;
import java.io.ByteArrayOutputStream;
import java.util.Objects;
import java.util.Set;

/**
 * One request on the agent listener and what the pipeline has learned about it so far. Each handler fills in its
 * part (target, route, verified call, decision, decision record) before passing the exchange on. Confined to the
 * connection's event loop, so it needs no synchronization.
 */
final class Exchange {

    /** The exchange in progress on a connection; body parts are matched to it. */
    static final AttributeKey<Exchange> CURRENT = AttributeKey.valueOf(Exchange.class, "current");

    private final String requestId;
    private final HttpRequest request;
    private final long startNanos;
    private final boolean hasBody;

    private RequestTarget target;
    private Endpoint endpoint = Endpoint.NONE;
    private RouteConfig route;
    private VerifiedCall call;
    private Decision decision;
    private AppendedRecord decisionRecord;
    private boolean responseStarted;
    private ByteArrayOutputStream body;

    Exchange(String requestId, HttpRequest request, long startNanos) {
        this.requestId = Objects.requireNonNull(requestId, "requestId");
        this.request = Objects.requireNonNull(request, "request");
        this.startNanos = startNanos;
        this.hasBody = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
    }

    /** Returns the exchange in progress on {@code channel}, or {@code null}. */
    static Exchange current(Channel channel) {
        return channel.attr(CURRENT).get();
    }

    String requestId() {
        return requestId;
    }

    HttpRequest request() {
        return request;
    }

    String method() {
        return request.method().name();
    }

    long startNanos() {
        return startNanos;
    }

    /** Returns whether the request has a body to read beyond its head. */
    boolean hasBody() {
        return hasBody;
    }

    RequestTarget target() {
        return target;
    }

    void target(RequestTarget value) {
        this.target = value;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    void endpoint(Endpoint value) {
        this.endpoint = value;
    }

    RouteConfig route() {
        return route;
    }

    void route(RouteConfig value) {
        this.route = value;
        this.endpoint = Endpoint.PROXY;
    }

    /** Returns the metrics name of what the request reached: a tool name or a gateway endpoint. */
    String routeName() {
        return route != null ? route.tool() : endpoint.metricName();
    }

    /** Returns the verified call, or {@code null} for an anonymous request. */
    VerifiedCall call() {
        return call;
    }

    void call(VerifiedCall value) {
        this.call = value;
    }

    Principal principal() {
        return call == null ? Principal.anonymous() : call.principal();
    }

    Actor actor() {
        return call == null ? null : call.actor();
    }

    Set<String> scopes() {
        return call == null ? Set.of() : call.scopes();
    }

    Decision decision() {
        return decision;
    }

    void decision(Decision value) {
        this.decision = value;
    }

    AppendedRecord decisionRecord() {
        return decisionRecord;
    }

    void decisionRecord(AppendedRecord value) {
        this.decisionRecord = value;
    }

    /** Returns the body read so far at a gateway endpoint, or {@code null} when the body is not being read. */
    ByteArrayOutputStream body() {
        return body;
    }

    void body(ByteArrayOutputStream value) {
        this.body = value;
    }

    boolean responseStarted() {
        return responseStarted;
    }

    void markResponseStarted() {
        this.responseStarted = true;
    }

    /** The gateway endpoint or proxied route a request reached. */
    enum Endpoint {
        NONE("none"),
        METADATA("metadata"),
        JWKS("jwks"),
        TOKEN("token"),
        PROXY("proxy");

        private final String metricName;

        Endpoint(String metricName) {
            this.metricName = metricName;
        }

        String metricName() {
            return metricName;
        }
    }
}
