package dev.agentgateway.bench.internal;

import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditSigningKey;
import dev.agentgateway.audit.CommitObserver;
import dev.agentgateway.audit.FileAuditLog;
import dev.agentgateway.config.AuditConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.stream.Stream;

/** Opens audit logs for the append benchmark and the load command, and builds the events they append. */
public final class AuditBenchLog {

    private AuditBenchLog() {
    }

    /**
     * Opens a log in {@code directory} with the default settings, passing every group commit's figures to
     * {@code observer}. Checkpoints are signed with the audit key file beside the directory, generated when
     * absent, so {@code audit verify} can check the log afterwards.
     */
    public static FileAuditLog open(Path directory, CommitObserver observer) throws IOException {
        AuditConfig config = new AuditConfig(directory);
        AuditSigningKey key = AuditSigningKey.loadOrGenerate(config.signingKey());
        return FileAuditLog.open(config, key, Clock.systemUTC(), observer);
    }

    /**
     * Returns a decision record like the gateway writes for an allowed tool call: principal, actor, route, rule,
     * token and proof ids and hashes. Its line is about 550 bytes.
     */
    public static AuditEvent decision(String requestId) {
        return AuditEvent.builder(AuditEventType.DECISION, requestId)
                .principal("alice (https://idp.example.com)")
                .actor("agent-7 (https://agents.example.com)")
                .tool("ops")
                .method("GET")
                .path("/tools/ops/queues/payments")
                .decision("allow")
                .rule("ops-read")
                .tokenId("1f0c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b")
                .proofId("e2b6f7c8-9d0e-4f1a-8b2c-3d4e5f6a7b8c")
                .keyThumbprint("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
                .tokenHash("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo")
                .proofHash("6ZiT5c5xQn9oK9pOQ2xvFZJw3KxT1A0nYbQp2Hn4uGc")
                .build();
    }

    /** Creates a new directory for one run inside {@code parent}, creating {@code parent} when absent. */
    public static Path newRunDirectory(Path parent, String prefix) throws IOException {
        Files.createDirectories(parent);
        return Files.createTempDirectory(parent, prefix);
    }

    /** Deletes {@code directory} and everything in it. */
    public static void delete(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(AuditBenchLog::deleteFile);
        }
    }

    private static void deleteFile(Path path) {
        try {
            Files.delete(path);
        } catch (IOException e) {
            throw new UncheckedIOException("deleting " + path + " failed", e);
        }
    }
}
