package dev.agentgateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * One proxied tool.
 *
 * @param tool tool name that policy rules and capability token audiences refer to, for example {@code ops}
 * @param pathPrefix normalized path prefix that selects this route, starting and ending with {@code /}, for
 *     example {@code /tools/ops/}
 * @param backend base URL of the backend ({@code http} only for now); the part of the request path after
 *     {@code pathPrefix} is appended to its path
 * @param connectTimeout maximum time to open a backend connection
 * @param responseTimeout maximum time from the end of the forwarded request to the backend's response headers
 * @param backendAudience {@code aud} of the Txn-Token sent to this backend
 */
public record RouteConfig(
        String tool,
        String pathPrefix,
        URI backend,
        Duration connectTimeout,
        Duration responseTimeout,
        String backendAudience) {

    public RouteConfig {
        Objects.requireNonNull(tool, "tool");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
        Objects.requireNonNull(backendAudience, "backendAudience");
    }
}
