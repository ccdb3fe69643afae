package dev.agentgateway.config.internal;

import dev.agentgateway.config.AdminConfig;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.ConfigException;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.config.ListenerConfig;
import dev.agentgateway.config.PolicyConfig;
import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.config.SampleToolConfig;
import dev.agentgateway.config.SigningKeyConfig;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.config.TrustedIssuerConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Maps the parsed YAML tree to {@link GatewayConfig}, applying defaults and validating every value. */
public final class GatewayConfigMapper {

    static final ListenerConfig DEFAULT_AGENT_LISTENER = new ListenerConfig("127.0.0.1", 8080);
    static final ListenerConfig DEFAULT_ADMIN_LISTENER = new ListenerConfig("127.0.0.1", 9090);
    static final ListenerConfig DEFAULT_SAMPLE_TOOL_LISTENER = new ListenerConfig("127.0.0.1", 8091);
    static final String DEFAULT_SIGNING_KEY_PATH = "agent-gateway-data/signing-key.jwk";
    /** Token signing key algorithms, the default first. */
    private static final List<String> SIGNING_ALGORITHMS = List.of("ES256", "EdDSA");

    private static final List<String> TOP_LEVEL_KEYS = List.of("listeners", "public-origin", "signing-key", "audit",
            "tokens", "trusted-issuers", "routes", "policy", "sample-tool", "admin");
    /** Maximum digits of a count, so that every accepted count fits a {@code long}. */
    private static final String ORIGIN_FORM = "scheme://host[:port] with scheme http or https, no path";

    private final Values values;
    private final ConfigErrors errors;
    private final Path baseDirectory;

    public GatewayConfigMapper(ConfigErrors errors, Path baseDirectory) {
        this.values = new Values(errors);
        this.errors = errors;
        this.baseDirectory = baseDirectory;
    }

    /** Returns the configuration in {@code root}; {@code source} is recorded as the file it came from. */
    public GatewayConfig map(YamlNode root, Path source) throws ConfigException {
        MappingReader top = MappingReader.of(errors, "", root, TOP_LEVEL_KEYS);
        ListenerPair listeners = listeners(top);
        String publicOrigin = top.optional("public-origin").isPresent()
                ? publicOrigin(top.optional("public-origin").get(), top.path("public-origin"))
                : null;
        SigningKeyConfig signingKey = signingKey(top);
        AuditConfig audit = new AuditSection(values, baseDirectory).map(top, signingKey);
        TokenConfig tokens = tokens(top);

        List<TrustedIssuerConfig> issuers = new TrustedIssuersSection(values, baseDirectory).map(top);
        List<RouteConfig> routes = new RoutesSection(values).map(top);
        PolicyConfig policy = new PolicySection(values).map(top, routes);
        SampleToolConfig sampleTool = sampleTool(top, listeners);
        AdminConfig admin = new AdminSection(values).map(top);

        return new GatewayConfig(source, listeners.agent(), listeners.admin(), publicOrigin, routes, issuers,
                signingKey, audit, tokens, policy, sampleTool, admin);
    }

    private record ListenerPair(ListenerConfig agent, ListenerConfig admin) {
    }

    private ListenerPair listeners(MappingReader top) throws ConfigException {
        Optional<YamlNode> node = top.optional("listeners");
        if (node.isEmpty()) {
            return new ListenerPair(DEFAULT_AGENT_LISTENER, DEFAULT_ADMIN_LISTENER);
        }
        MappingReader listeners = MappingReader.of(errors, "listeners", node.get(), List.of("agent", "admin"));
        ListenerConfig agent = listener(listeners, "agent", DEFAULT_AGENT_LISTENER);
        ListenerConfig admin = listener(listeners, "admin", DEFAULT_ADMIN_LISTENER);
        if (agent.port() != 0 && agent.port() == admin.port()) {
            String key = listeners.has("admin") ? "admin" : "agent";
            throw errors.at(listeners.optional(key).get(), listeners.path(key),
                    "admin listener uses the agent listener's port " + agent.port(),
                    "a different port for each listener, or port 0 for both");
        }
        return new ListenerPair(agent, admin);
    }

    private ListenerConfig listener(MappingReader mapping, String key, ListenerConfig defaultValue)
            throws ConfigException {
        Optional<YamlNode> node = mapping.optional(key);
        return node.isPresent() ? values.listener(node.get(), mapping.path(key)) : defaultValue;
    }

    private String publicOrigin(YamlNode node, String path) throws ConfigException {
        String text = values.string(node, path, ORIGIN_FORM);
        URI uri = UrlRules.parseAbsolute(text);
        if (uri == null || !(UrlRules.scheme(uri).equals("http") || UrlRules.scheme(uri).equals("https"))
                || uri.getHost() == null) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " is not an http or https origin", ORIGIN_FORM);
        }
        if (uri.getRawUserInfo() != null) {
            throw errors.at(node, path, "contains user information", ORIGIN_FORM);
        }
        if (!uri.getRawPath().isEmpty() || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " has a path, query or fragment",
                    ORIGIN_FORM + ", no trailing slash");
        }
        return text;
    }

    private SigningKeyConfig signingKey(MappingReader top) throws ConfigException {
        return new SigningKeySection(values, baseDirectory).map(top,
                baseDirectory.resolve(DEFAULT_SIGNING_KEY_PATH).normalize(), "signing", SIGNING_ALGORITHMS);
    }

    private TokenConfig tokens(MappingReader top) throws ConfigException {
        TokenConfig defaults = TokenConfig.defaults();
        Optional<YamlNode> node = top.optional("tokens");
        if (node.isEmpty()) {
            return defaults;
        }
        MappingReader tokens = MappingReader.of(errors, "tokens", node.get(),
                List.of("capability-lifetime", "proof-max-age", "clock-skew", "txn-token-lifetime", "dpop-nonce",
                        "verified-token-cache-size", "replay-cache"));
        Duration second = Duration.ofSeconds(1);
        Duration fiveMinutes = Duration.ofSeconds(300);
        return new TokenConfig(
                values.duration(tokens, "capability-lifetime", defaults.capabilityLifetime(), second,
                        TokenConfig.MAX_CAPABILITY_LIFETIME),
                values.duration(tokens, "proof-max-age", defaults.proofMaxAge(), second, fiveMinutes),
                values.duration(tokens, "clock-skew", defaults.clockSkew(), Duration.ZERO, TokenConfig.MAX_CLOCK_SKEW),
                values.duration(tokens, "txn-token-lifetime", defaults.txnTokenLifetime(), second, fiveMinutes),
                new NonceSection(values).map(tokens, "dpop-nonce"),
                new ReplayCacheSection(values).map(tokens),
                verifiedTokenCacheSize(tokens, "verified-token-cache-size"));
    }

    /** Returns {@code tokens.verified-token-cache-size}: a whole number, 0 or more, where 0 turns the cache off. */
    private long verifiedTokenCacheSize(MappingReader tokens, String key) throws ConfigException {
        Optional<YamlNode> node = tokens.optional(key);
        return node.isPresent()
                ? values.wholeNumber(node.get(), tokens.path(key), 0, "a whole number, 0 or more (0 turns the cache off)")
                : TokenConfig.DEFAULT_VERIFIED_TOKEN_CACHE_SIZE;
    }

    private SampleToolConfig sampleTool(MappingReader top, ListenerPair listeners) throws ConfigException {
        Optional<YamlNode> node = top.optional("sample-tool");
        if (node.isEmpty()) {
            return null;
        }
        MappingReader sampleTool = MappingReader.of(errors, "sample-tool", node.get(), List.of("listener"));
        ListenerConfig listener = listener(sampleTool, "listener", DEFAULT_SAMPLE_TOOL_LISTENER);
        boolean clashes = listener.port() != 0
                && (listener.port() == listeners.agent().port() || listener.port() == listeners.admin().port());
        if (clashes) {
            YamlNode at = sampleTool.optional("listener").orElse(node.get());
            throw errors.at(at, sampleTool.path("listener"), "port " + listener.port()
                    + " is already used by the agent or admin listener", "a port of its own, or port 0");
        }
        return new SampleToolConfig(listener);
    }
}
