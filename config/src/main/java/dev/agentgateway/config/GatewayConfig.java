package dev.agentgateway.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Complete, validated gateway configuration. Instances are immutable and only built by {@link ConfigLoader}
 * (or by tests), so every consumer can rely on the validation rules documented on each component.
 *
 * @param source file the configuration was read from, or {@code null} for the embedded default
 * @param agentListener address the agent-facing listener binds to
 * @param adminListener address the admin listener (metrics, health) binds to; never the agent port
 * @param publicOrigin scheme, host and port agents use to reach the gateway ({@code http://127.0.0.1:8080}),
 *     without a trailing slash; DPoP {@code htu} values and token issuers are built from it. {@code null} means
 *     "derive from the bound agent listener address", which is only sensible for loopback and tests
 * @param routes tool routes, at least one, with distinct tool names and non-overlapping path prefixes
 * @param trustedIssuers identity providers whose subject and actor tokens the token endpoint accepts
 * @param signingKey the gateway's own token signing key
 * @param audit audit log settings
 * @param tokens lifetimes and clock tolerances for the tokens the gateway issues and verifies
 * @param policy principal classes and access rules
 * @param sampleTool built-in sample operations tool to start beside the gateway, or {@code null} for none
 * @param admin credentials of the admin listener's authenticated endpoints
 */
public record GatewayConfig(
        Path source,
        ListenerConfig agentListener,
        ListenerConfig adminListener,
        String publicOrigin,
        List<RouteConfig> routes,
        List<TrustedIssuerConfig> trustedIssuers,
        SigningKeyConfig signingKey,
        AuditConfig audit,
        TokenConfig tokens,
        PolicyConfig policy,
        SampleToolConfig sampleTool,
        AdminConfig admin) {

    public GatewayConfig {
        Objects.requireNonNull(agentListener, "agentListener");
        Objects.requireNonNull(adminListener, "adminListener");
        routes = List.copyOf(routes);
        trustedIssuers = List.copyOf(trustedIssuers);
        Objects.requireNonNull(signingKey, "signingKey");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(admin, "admin");
    }

    /** Returns a configuration without admin credentials. */
    public GatewayConfig(Path source, ListenerConfig agentListener, ListenerConfig adminListener, String publicOrigin,
            List<RouteConfig> routes, List<TrustedIssuerConfig> trustedIssuers, SigningKeyConfig signingKey,
            AuditConfig audit, TokenConfig tokens, PolicyConfig policy, SampleToolConfig sampleTool) {
        this(source, agentListener, adminListener, publicOrigin, routes, trustedIssuers, signingKey, audit, tokens,
                policy, sampleTool, AdminConfig.none());
    }

    /** Returns the route whose tool name equals {@code tool}. */
    public Optional<RouteConfig> routeForTool(String tool) {
        return routes.stream().filter(route -> route.tool().equals(tool)).findFirst();
    }

    /** Returns a copy of this configuration with {@code publicOrigin} replaced. */
    public GatewayConfig withPublicOrigin(String origin) {
        return new GatewayConfig(source, agentListener, adminListener, origin, routes, trustedIssuers, signingKey,
                audit, tokens, policy, sampleTool, admin);
    }
}
