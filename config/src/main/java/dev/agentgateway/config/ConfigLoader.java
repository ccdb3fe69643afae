package dev.agentgateway.config;

import dev.agentgateway.config.internal.ConfigErrors;
import dev.agentgateway.config.internal.ConfigLimits;
import dev.agentgateway.config.internal.GatewayConfigMapper;
import dev.agentgateway.config.internal.YamlNode;
import dev.agentgateway.config.internal.YamlTreeReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/**
 * Reads and validates YAML gateway configuration. Every error is a {@link ConfigException} whose message names
 * the source, line and key path, for example {@code gateway.yaml:14: routes[0].backend: ...}. Inputs larger than
 * 1 MiB, nesting deeper than 20 levels, YAML aliases, tags and anchors on mappings and lists are rejected before
 * any value is used.
 */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    /** Reads the configuration file at {@code file}. Relative paths inside it resolve against its directory. */
    public static GatewayConfig load(Path file) throws ConfigException {
        return load(file, System::getenv);
    }

    /**
     * Reads the configuration file at {@code file}, taking {@code ${NAME}} values from {@code environment}, which
     * returns {@code null} for an unset variable.
     */
    public static GatewayConfig load(Path file, Function<String, String> environment) throws ConfigException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(environment, "environment");
        Path absolute = file.toAbsolutePath().normalize();
        try (InputStream in = Files.newInputStream(absolute)) {
            return parse(file.toString(), readBounded(file.toString(), in), absolute.getParent(), absolute,
                    environment);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": configuration file not found");
        } catch (IOException e) {
            throw new ConfigException(file + ": reading the configuration failed: " + e.getMessage(), e);
        }
    }

    /**
     * Reads configuration from {@code yaml}. {@code sourceName} is used in error messages; relative paths inside
     * it resolve against {@code baseDirectory}.
     */
    public static GatewayConfig load(String sourceName, InputStream yaml, Path baseDirectory) throws ConfigException {
        return load(sourceName, yaml, baseDirectory, System::getenv);
    }

    /**
     * Reads configuration from {@code yaml}, taking {@code ${NAME}} values from {@code environment}, which returns
     * {@code null} for an unset variable. The result's {@link GatewayConfig#source()} is {@code null}.
     */
    public static GatewayConfig load(String sourceName, InputStream yaml, Path baseDirectory,
            Function<String, String> environment) throws ConfigException {
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(baseDirectory, "baseDirectory");
        Objects.requireNonNull(environment, "environment");
        Path base = baseDirectory.toAbsolutePath().normalize();
        try {
            return parse(sourceName, readBounded(sourceName, yaml), base, null, environment);
        } catch (IOException e) {
            throw new ConfigException(sourceName + ": reading the configuration failed: " + e.getMessage(), e);
        }
    }

    private static byte[] readBounded(String sourceName, InputStream in) throws IOException, ConfigException {
        byte[] bytes = in.readNBytes(ConfigLimits.MAX_BYTES + 1);
        if (bytes.length > ConfigLimits.MAX_BYTES) {
            throw new ConfigException(sourceName + ": the configuration is larger than " + ConfigLimits.MAX_BYTES
                    + " bytes (expected: at most 1 MiB)");
        }
        return bytes;
    }

    private static GatewayConfig parse(String sourceName, byte[] yaml, Path baseDirectory, Path source,
            Function<String, String> environment) throws ConfigException {
        ConfigErrors errors = new ConfigErrors(sourceName);
        YamlNode root = new YamlTreeReader(errors, environment).read(yaml);
        return new GatewayConfigMapper(errors, baseDirectory).map(root, source);
    }
}
