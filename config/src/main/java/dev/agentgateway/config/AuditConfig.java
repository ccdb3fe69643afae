package dev.agentgateway.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Audit log settings.
 *
 * @param directory directory holding the append-only audit log files; created when absent
 */
public record AuditConfig(Path directory) {

    public AuditConfig {
        Objects.requireNonNull(directory, "directory");
    }
}
