package dev.agentgateway.config;

import java.util.Objects;

/**
 * Built-in sample operations tool started beside the gateway, so the embedded default has a backend.
 *
 * @param listener address the sample tool binds to
 */
public record SampleToolConfig(ListenerConfig listener) {

    public SampleToolConfig {
        Objects.requireNonNull(listener, "listener");
    }
}
