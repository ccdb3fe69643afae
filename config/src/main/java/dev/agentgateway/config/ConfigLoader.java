package dev.agentgateway.config;

import java.io.InputStream;
import java.nio.file.Path;

/** Reads and validates YAML gateway configuration. */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    /** Reads the configuration file at {@code file}. Relative paths inside it resolve against its directory. */
    public static GatewayConfig load(Path file) throws ConfigException {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Reads configuration from {@code yaml}. {@code sourceName} is used in error messages; relative paths inside
     * it resolve against {@code baseDirectory}.
     */
    public static GatewayConfig load(String sourceName, InputStream yaml, Path baseDirectory) throws ConfigException {
        throw new UnsupportedOperationException("TODO");
    }
}
