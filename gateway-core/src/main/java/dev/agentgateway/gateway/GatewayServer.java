package dev.agentgateway.gateway;

import dev.agentgateway.config.GatewayConfig;
import java.net.InetSocketAddress;

/**
 * A running gateway: the agent listener (token endpoint, metadata, proxied routes), the admin listener and, when
 * configured, the built-in sample tool.
 */
public final class GatewayServer implements AutoCloseable {

    private GatewayServer() {
    }

    /**
     * Binds both listeners and starts serving. When {@code config.publicOrigin()} is {@code null} the origin is
     * derived from the bound agent address.
     *
     * @throws Exception when a listener cannot bind, or the signing key or audit log cannot be opened
     */
    public static GatewayServer start(GatewayConfig config) throws Exception {
        throw new UnsupportedOperationException("TODO");
    }

    /** Returns the bound agent listener address. */
    public InetSocketAddress agentAddress() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Returns the bound admin listener address. */
    public InetSocketAddress adminAddress() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Returns the public origin in use, for example {@code http://127.0.0.1:8080}. */
    public String publicOrigin() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Stops accepting, closes connections and the audit log. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("TODO");
    }
}
