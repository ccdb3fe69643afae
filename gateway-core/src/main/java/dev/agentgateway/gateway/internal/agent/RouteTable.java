package dev.agentgateway.gateway.internal.agent;

import dev.agentgateway.config.RouteConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Proxied routes, matched by the longest path prefix of a normalized request path. Immutable. */
public final class RouteTable {

    private final List<RouteConfig> routesByPrefixLength;

    public RouteTable(List<RouteConfig> routes) {
        List<RouteConfig> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparingInt((RouteConfig route) -> route.pathPrefix().length()).reversed());
        this.routesByPrefixLength = List.copyOf(sorted);
    }

    /** Returns the route with the longest prefix of {@code normalizedPath}, or empty when none matches. */
    public Optional<RouteConfig> match(String normalizedPath) {
        for (RouteConfig route : routesByPrefixLength) {
            if (normalizedPath.startsWith(route.pathPrefix())) {
                return Optional.of(route);
            }
        }
        return Optional.empty();
    }

    /** Returns the part of {@code normalizedPath} after {@code route}'s prefix, without a leading {@code /}. */
    public static String relativePath(RouteConfig route, String normalizedPath) {
        return normalizedPath.substring(route.pathPrefix().length());
    }

    /** Returns the routes, longest prefix first. */
    public List<RouteConfig> routes() {
        return routesByPrefixLength;
    }
}
