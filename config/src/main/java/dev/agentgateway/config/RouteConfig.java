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
 * @param idleTimeout time after which a pooled backend connection that no call uses is closed. Set it below the
 *     backend's keep-alive timeout, so that the gateway, not the backend, closes idle connections.
 * @param dpopNonce whether requests to this route must carry a DPoP server nonce
 */
public record RouteConfig(
        String tool,
        String pathPrefix,
        URI backend,
        Duration connectTimeout,
        Duration responseTimeout,
        String backendAudience,
        Duration idleTimeout,
        DPoPNonceMode dpopNonce) {

    /** Idle timeout of pooled backend connections when the configuration sets none. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(20);

    public RouteConfig {
        Objects.requireNonNull(tool, "tool");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
        Objects.requireNonNull(backendAudience, "backendAudience");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(dpopNonce, "dpopNonce");
    }

    /** Creates a route without DPoP server nonces. */
    public RouteConfig(String tool, String pathPrefix, URI backend, Duration connectTimeout, Duration responseTimeout,
            String backendAudience, Duration idleTimeout) {
        this(tool, pathPrefix, backend, connectTimeout, responseTimeout, backendAudience, idleTimeout,
                DPoPNonceMode.OFF);
    }

    /** Creates a route without DPoP server nonces whose pooled connections use {@link #DEFAULT_IDLE_TIMEOUT}. */
    public RouteConfig(String tool, String pathPrefix, URI backend, Duration connectTimeout, Duration responseTimeout,
            String backendAudience) {
        this(tool, pathPrefix, backend, connectTimeout, responseTimeout, backendAudience, DEFAULT_IDLE_TIMEOUT);
    }
}
