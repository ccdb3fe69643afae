package dev.agentgateway.config.internal;

import dev.agentgateway.config.ConfigException;
import dev.agentgateway.config.DPoPNonceMode;
import dev.agentgateway.config.RouteConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Maps and validates {@code routes}. */
final class RoutesSection {

    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(60);
    static final Duration MAX_RESPONSE_TIMEOUT = Duration.ofMinutes(10);
    static final Duration MIN_IDLE_TIMEOUT = Duration.ofSeconds(1);
    static final Duration MAX_IDLE_TIMEOUT = Duration.ofMinutes(10);

    /** Path prefixes the gateway serves itself; no route may take them over. */
    static final List<String> RESERVED_PREFIXES = List.of("/oauth2/", "/.well-known/");

    static final Pattern TOOL = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    private static final Pattern PREFIX_SEGMENT = Pattern.compile("[A-Za-z0-9._~!$&'()*+,;=:@-]+");
    private static final List<String> ROUTE_KEYS = List.of("tool", "path-prefix", "backend", "connect-timeout",
            "response-timeout", "backend-audience", "idle-timeout", "dpop-nonce");
    private static final String PREFIX_FORM = "a path starting and ending with '/', for example /tools/ops/";
    private static final String BACKEND_FORM = "http://host:port/...";

    private final Values values;
    private final ConfigErrors errors;

    RoutesSection(Values values) {
        this.values = values;
        this.errors = values.errors();
    }

    List<RouteConfig> map(MappingReader top) throws ConfigException {
        String expected = "a list of at least one route";
        List<YamlNode> items = values.list(top.required("routes", expected), "routes", expected);
        if (items.isEmpty()) {
            throw errors.at(top.optional("routes").get(), "routes", "is empty", expected);
        }
        List<RouteConfig> routes = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            String path = ConfigErrors.item("routes", i);
            MappingReader mapping = MappingReader.of(errors, path, items.get(i), ROUTE_KEYS);
            RouteConfig route = route(mapping);
            checkAgainstEarlier(mapping, route, routes);
            routes.add(route);
        }
        return routes;
    }

    private RouteConfig route(MappingReader mapping) throws ConfigException {
        String toolForm = "a name matching " + TOOL.pattern();
        YamlNode toolNode = mapping.required("tool", toolForm);
        String tool = values.string(toolNode, mapping.path("tool"), toolForm);
        if (!TOOL.matcher(tool).matches()) {
            throw errors.at(toolNode, mapping.path("tool"), ConfigErrors.quote(tool) + " is not a valid tool name",
                    toolForm);
        }
        String prefix = pathPrefix(mapping.required("path-prefix", PREFIX_FORM), mapping.path("path-prefix"));
        URI backend = backend(mapping.required("backend", BACKEND_FORM), mapping.path("backend"));
        Duration connectTimeout = timeout(mapping, "connect-timeout", DEFAULT_CONNECT_TIMEOUT, MAX_CONNECT_TIMEOUT);
        Duration responseTimeout = timeout(mapping, "response-timeout", DEFAULT_RESPONSE_TIMEOUT,
                MAX_RESPONSE_TIMEOUT);
        Duration idleTimeout = timeout(mapping, "idle-timeout", RouteConfig.DEFAULT_IDLE_TIMEOUT, MIN_IDLE_TIMEOUT,
                MAX_IDLE_TIMEOUT);
        Optional<YamlNode> audienceNode = mapping.optional("backend-audience");
        String audience = audienceNode.isPresent()
                ? values.nonEmptyString(audienceNode.get(), mapping.path("backend-audience"), "a non-empty string")
                : tool;
        Optional<YamlNode> nonceNode = mapping.optional("dpop-nonce");
        DPoPNonceMode nonceMode = nonceNode.isPresent()
                ? new NonceSection(values).mode(nonceNode.get(), mapping.path("dpop-nonce"))
                : DPoPNonceMode.OFF;
        return new RouteConfig(tool, prefix, backend, connectTimeout, responseTimeout, audience, idleTimeout,
                nonceMode);
    }

    private String pathPrefix(YamlNode node, String path) throws ConfigException {
        String prefix = values.string(node, path, PREFIX_FORM);
        if (prefix.equals("/")) {
            throw errors.at(node, path, "\"/\" would cover the gateway's own endpoints",
                    PREFIX_FORM + ", with at least one segment");
        }
        if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
            throw errors.at(node, path, ConfigErrors.quote(prefix) + " does not start and end with '/'", PREFIX_FORM);
        }
        for (String segment : prefix.substring(1, prefix.length() - 1).split("/", -1)) {
            boolean dotSegment = segment.equals(".") || segment.equals("..");
            if (dotSegment || !PREFIX_SEGMENT.matcher(segment).matches()) {
                throw errors.at(node, path, ConfigErrors.quote(prefix) + " is not a normalized path",
                        PREFIX_FORM + ", without empty, '.' or '..' segments or percent-encoding");
            }
        }
        for (String reserved : RESERVED_PREFIXES) {
            if (prefix.startsWith(reserved)) {
                throw errors.at(node, path, ConfigErrors.quote(prefix) + " is inside the gateway's own "
                        + reserved + " endpoints", "a prefix outside " + String.join(" and ", RESERVED_PREFIXES));
            }
        }
        return prefix;
    }

    private URI backend(YamlNode node, String path) throws ConfigException {
        String text = values.string(node, path, BACKEND_FORM);
        URI uri = UrlRules.parseAbsolute(text);
        if (uri != null && UrlRules.scheme(uri).equals("https")) {
            throw errors.at(node, path, ConfigErrors.quote(text) + ": https backends are not supported yet",
                    BACKEND_FORM);
        }
        if (uri == null || !UrlRules.scheme(uri).equals("http")) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " is not an http URL", BACKEND_FORM);
        }
        if (uri.getRawUserInfo() != null) {
            throw errors.at(node, path, "URL contains user information", BACKEND_FORM);
        }
        if (uri.getHost() == null) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " has no host", BACKEND_FORM);
        }
        if (uri.getPort() < 0) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " has no port", BACKEND_FORM);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " has a query or fragment", BACKEND_FORM);
        }
        return uri.getRawPath().isEmpty() ? uri.resolve("/") : uri;
    }

    private Duration timeout(MappingReader mapping, String key, Duration defaultValue, Duration max)
            throws ConfigException {
        return timeout(mapping, key, defaultValue, Duration.ofMillis(1), max);
    }

    private Duration timeout(MappingReader mapping, String key, Duration defaultValue, Duration min, Duration max)
            throws ConfigException {
        return values.duration(mapping, key, defaultValue, min, max);
    }

    private void checkAgainstEarlier(MappingReader mapping, RouteConfig route, List<RouteConfig> earlier)
            throws ConfigException {
        for (int i = 0; i < earlier.size(); i++) {
            RouteConfig other = earlier.get(i);
            if (other.tool().equals(route.tool())) {
                throw errors.at(mapping.optional("tool").get(), mapping.path("tool"), ConfigErrors.quote(route.tool())
                        + " is already the tool of routes[" + i + "]", "unique tool names");
            }
            String prefix = route.pathPrefix();
            if (prefix.startsWith(other.pathPrefix()) || other.pathPrefix().startsWith(prefix)) {
                throw errors.at(mapping.optional("path-prefix").get(), mapping.path("path-prefix"),
                        ConfigErrors.quote(prefix) + " overlaps " + ConfigErrors.quote(other.pathPrefix())
                                + " of routes[" + i + "]", "prefixes of which none starts with another");
            }
        }
    }
}
