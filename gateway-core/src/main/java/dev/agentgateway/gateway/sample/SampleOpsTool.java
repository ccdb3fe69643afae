package dev.agentgateway.gateway.sample;

import java.net.InetSocketAddress;

/**
 * A small operations tool served over real HTTP: list queues, drain a node, fail over. It records the headers of
 * every request it receives so tests and the demo can show what reached the backend.
 */
public final class SampleOpsTool implements AutoCloseable {

    private SampleOpsTool() {
    }

    /** Starts the tool on {@code host}:{@code port} (0 for an ephemeral port). */
    public static SampleOpsTool start(String host, int port) throws java.io.IOException {
        throw new UnsupportedOperationException("TODO");
    }

    public InetSocketAddress address() {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("TODO");
    }
}
