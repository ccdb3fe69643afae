package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.gateway.internal.http.HttpLimits;
import dev.agentgateway.gateway.internal.metrics.GatewayMetrics;
import dev.agentgateway.gateway.internal.proxy.UpstreamPools;
import dev.agentgateway.policy.Policy;
import dev.agentgateway.token.TokenServices;
import java.net.URI;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Configuration and services shared by the agent listener's handlers, all immutable or thread-safe.
 *
 * @param publicOrigin origin agents use, for example {@code http://127.0.0.1:8080}; the base of DPoP {@code htu}
 * @param routes proxied routes
 * @param tokens token services (authenticator, token exchange, Txn-Token issuer, metadata)
 * @param policy access policy
 * @param audit audit recorder
 * @param metrics meters
 * @param limits size and time limits
 * @param tokenExchangeExecutor executor for token exchanges, which may block on fetching an issuer's keys
 * @param authenticationExecutor executor that verifies the credentials of proxied calls. It may block on the
 *     shared replay cache, and it rejects work when its queue is full
 * @param upstreams backend connection pools
 * @param clock clock for durations recorded in audit records
 */
public record AgentServices(
        String publicOrigin,
        RouteTable routes,
        TokenServices tokens,
        Policy policy,
        AuditRecorder audit,
        GatewayMetrics metrics,
        HttpLimits limits,
        Executor tokenExchangeExecutor,
        Executor authenticationExecutor,
        UpstreamPools upstreams,
        Clock clock) {

    public AgentServices {
        Objects.requireNonNull(publicOrigin, "publicOrigin");
        Objects.requireNonNull(routes, "routes");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(tokenExchangeExecutor, "tokenExchangeExecutor");
        Objects.requireNonNull(authenticationExecutor, "authenticationExecutor");
        Objects.requireNonNull(upstreams, "upstreams");
        Objects.requireNonNull(clock, "clock");
    }

    /** Returns the public origin followed by {@code pathAndQuery}, as a URI. */
    URI publicUri(String pathAndQuery) {
        return URI.create(publicOrigin + pathAndQuery);
    }

    /** Returns the scheme of the public origin, for example {@code http}. */
    String publicScheme() {
        return URI.create(publicOrigin).getScheme();
    }

    /** Returns the host and port of the public origin, for example {@code 127.0.0.1:8080}. */
    String publicHost() {
        return URI.create(publicOrigin).getRawAuthority();
    }
}
