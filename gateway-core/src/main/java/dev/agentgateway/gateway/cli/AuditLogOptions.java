package dev.agentgateway.gateway.cli;

import dev.agentgateway.audit.AuditPublicKey;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.ConfigException;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * Location options of the audit commands, for the log and the audit key: {@code --config FILE} (the configuration's
 * {@code audit} section), {@code --directory DIR} (with the key file beside the directory, as the defaults place
 * it), or neither (the embedded default configuration, relative to the current directory).
 */
final class AuditLogOptions {

    @ArgGroup(exclusive = true)
    private Source source;

    static final class Source {

        @Option(names = "--config", paramLabel = "FILE",
                description = "YAML configuration file; its audit.directory and audit.signing-key are used.")
        Path configFile;

        @Option(names = "--directory", paramLabel = "DIR",
                description = "Audit log directory. The audit key is then the file "
                        + AuditConfig.DEFAULT_KEY_FILE_NAME + " beside it.")
        Path directory;
    }

    /**
     * The resolved location.
     *
     * @param directory audit log directory
     * @param keyFile the audit key file (private JWK) of the configuration
     * @param checkpointInterval the configured checkpoint interval
     */
    record Location(Path directory, Path keyFile, Duration checkpointInterval) {
    }

    /**
     * Resolves the location; {@code positionalDirectory}, when not {@code null}, acts as {@code --directory}.
     *
     * @throws ConfigException when the configuration is invalid, or a directory is given twice
     */
    Location resolve(Path positionalDirectory) throws ConfigException {
        AuditConfig audit = resolveConfig(positionalDirectory);
        return new Location(audit.directory(), audit.signingKey().path(), audit.checkpointInterval());
    }

    /**
     * Resolves the whole audit configuration: the configuration's {@code audit} section, or the defaults for a
     * directory given with {@code --directory} or as {@code positionalDirectory}.
     *
     * @throws ConfigException when the configuration is invalid, or a directory is given twice
     */
    AuditConfig resolveConfig(Path positionalDirectory) throws ConfigException {
        Path directory = positionalDirectory;
        if (source != null && source.directory != null) {
            if (directory != null) {
                throw new ConfigException("audit log directory given twice: " + directory + " and --directory "
                        + source.directory + " (expected: one of them)");
            }
            directory = source.directory;
        }
        if (directory != null) {
            if (source != null && source.configFile != null) {
                throw new ConfigException("DIR and --config cannot be combined (expected: one of them)");
            }
            return new AuditConfig(directory);
        }
        GatewayConfig config = source != null && source.configFile != null ? ConfigLoader.load(source.configFile)
                : ServeCommand.loadDefault();
        return config.audit();
    }

    /**
     * Reads the public keys from {@code publicKeyFiles}, or, when there are none, the public part of the configured
     * audit key file.
     *
     * @throws KeyFileException when a file cannot be read or contains no audit key; the message says which and why
     */
    static List<AuditPublicKey> publicKeys(List<Path> publicKeyFiles, Location location) throws KeyFileException {
        List<Path> files = publicKeyFiles == null || publicKeyFiles.isEmpty()
                ? List.of(location.keyFile()) : publicKeyFiles;
        List<AuditPublicKey> keys = new ArrayList<>();
        for (Path file : files) {
            keys.add(readKey(file, publicKeyFiles == null || publicKeyFiles.isEmpty()));
        }
        return keys;
    }

    private static AuditPublicKey readKey(Path file, boolean configured) throws KeyFileException {
        try {
            return AuditPublicKey.read(file);
        } catch (NoSuchFileException e) {
            throw new KeyFileException(configured
                    ? "audit key file " + file + " not found (expected: the key the gateway signs checkpoints with,"
                            + " which it creates at its first start)"
                    : "public key file " + file + " not found");
        } catch (IOException e) {
            throw new KeyFileException("reading audit key file " + file + " failed: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(e.getMessage());
        }
    }

    /** Returns an error message when {@code directory} cannot hold a log to read, or {@code null}. */
    static String unusableDirectory(Path directory) {
        if (!Files.exists(directory)) {
            return "audit log directory " + directory + " does not exist";
        }
        if (!Files.isDirectory(directory)) {
            return directory + " is not a directory (expected: the audit log directory, which contains the"
                    + " segment files audit-<seq>.log)";
        }
        if (!Files.isReadable(directory)) {
            return "audit log directory " + directory + " cannot be read (expected: read permission for this user)";
        }
        return null;
    }

    /** An audit key file that cannot be used; the message is meant for the operator. */
    static final class KeyFileException extends Exception {

        private static final long serialVersionUID = 1L;

        KeyFileException(String message) {
            super(message);
        }
    }
}
