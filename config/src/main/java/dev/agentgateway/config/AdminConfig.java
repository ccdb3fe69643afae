package dev.agentgateway.config;

import java.util.List;

/**
 * Settings of the admin listener's authenticated endpoints.
 *
 * @param credentials bearer credentials accepted on {@code /audit/stream}; empty means the stream is refused to
 *     everyone. Only the SHA-256 of each token is configured, so the configuration file holds no secret
 */
public record AdminConfig(List<AdminCredential> credentials) {

    public AdminConfig {
        credentials = List.copyOf(credentials);
    }

    /** Returns the default: no credentials, so authenticated admin endpoints refuse every request. */
    public static AdminConfig none() {
        return new AdminConfig(List.of());
    }
}
