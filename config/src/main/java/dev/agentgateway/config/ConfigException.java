package dev.agentgateway.config;

/**
 * Invalid configuration. The message names the file, the line and the key, and states what was expected, for
 * example {@code gateway.yaml:12: routes[0].backend: "ftp://x" is not an http URL (expected: http://host:port/...)}.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
