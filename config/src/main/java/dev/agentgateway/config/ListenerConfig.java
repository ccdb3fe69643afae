package dev.agentgateway.config;

import java.util.Objects;

/**
 * Listening socket address.
 *
 * @param host literal IP address or host name to bind, for example {@code 127.0.0.1} or {@code ::1}
 * @param port TCP port, 0 to 65535; 0 binds an ephemeral port (tests)
 */
public record ListenerConfig(String host, int port) {

    public ListenerConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
    }
}
