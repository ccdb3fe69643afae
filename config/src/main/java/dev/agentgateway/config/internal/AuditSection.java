package dev.agentgateway.config.internal;

import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.AuditKafkaConfig;
import dev.agentgateway.config.ConfigException;
import dev.agentgateway.config.SigningKeyConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Maps {@code audit}: the log directory, segment and checkpoint bounds, the queue bound, the audit key and the
 * optional Kafka export. The audit key must be a different file from the token signing key, so that a leaked
 * token key cannot also re-sign the log's checkpoints.
 */
final class AuditSection {

    static final String DEFAULT_DIRECTORY = "agent-gateway-data/audit";

    static final long MIN_SEGMENT_MAX_BYTES = 4096;
    static final long MAX_SEGMENT_MAX_BYTES = 1L << 40;
    static final Duration MIN_SEGMENT_MAX_AGE = Duration.ofMinutes(1);
    static final Duration MAX_SEGMENT_MAX_AGE = Duration.ofHours(720);
    static final long MAX_CHECKPOINT_EVERY_RECORDS = 10_000_000;
    static final Duration MIN_CHECKPOINT_INTERVAL = Duration.ofMillis(10);
    static final Duration MAX_CHECKPOINT_INTERVAL = Duration.ofHours(1);
    static final long MAX_PENDING_RECORDS = 10_000_000;

    private static final List<String> KEYS = List.of("directory", "segment-max-bytes", "segment-max-age",
            "checkpoint-every-records", "checkpoint-interval", "max-pending-records", "signing-key", "kafka");
    /** Audit key algorithms, the default ({@link AuditConfig#DEFAULT_KEY_ALGORITHM}) first. */
    private static final List<String> KEY_ALGORITHMS = List.of(AuditConfig.DEFAULT_KEY_ALGORITHM, "ES256");

    private final Values values;
    private final ConfigErrors errors;
    private final Path baseDirectory;

    AuditSection(Values values, Path baseDirectory) {
        this.values = values;
        this.errors = values.errors();
        this.baseDirectory = baseDirectory;
    }

    /**
     * Returns the audit settings under {@code top}, or the defaults when {@code audit} is absent.
     *
     * @param tokenKey the token signing key, which the audit key must not share a file with
     */
    AuditConfig map(MappingReader top, SigningKeyConfig tokenKey) throws ConfigException {
        Optional<YamlNode> node = top.optional("audit");
        if (node.isEmpty()) {
            AuditConfig defaults = new AuditConfig(defaultDirectory());
            rejectSharedKey(top, null, defaults.signingKey().path(), tokenKey);
            return defaults;
        }
        MappingReader audit = MappingReader.of(errors, "audit", node.get(), KEYS);
        Optional<YamlNode> directoryNode = audit.optional("directory");
        Path directory = directoryNode.isPresent()
                ? values.path(directoryNode.get(), audit.path("directory"), baseDirectory)
                : defaultDirectory();

        long segmentMaxBytes = values.wholeNumber(audit, "segment-max-bytes", AuditConfig.DEFAULT_SEGMENT_MAX_BYTES,
                MIN_SEGMENT_MAX_BYTES, MAX_SEGMENT_MAX_BYTES);
        Duration segmentMaxAge = values.duration(audit, "segment-max-age", AuditConfig.DEFAULT_SEGMENT_MAX_AGE,
                MIN_SEGMENT_MAX_AGE, MAX_SEGMENT_MAX_AGE);
        long checkpointEveryRecords = values.wholeNumber(audit, "checkpoint-every-records",
                AuditConfig.DEFAULT_CHECKPOINT_EVERY_RECORDS, 1, MAX_CHECKPOINT_EVERY_RECORDS);
        Duration checkpointInterval = values.duration(audit, "checkpoint-interval",
                AuditConfig.DEFAULT_CHECKPOINT_INTERVAL, MIN_CHECKPOINT_INTERVAL, MAX_CHECKPOINT_INTERVAL);
        int maxPendingRecords = (int) values.wholeNumber(audit, "max-pending-records",
                AuditConfig.DEFAULT_MAX_PENDING_RECORDS, 1, MAX_PENDING_RECORDS);

        SigningKeyConfig auditKey = auditKey(audit, directory);
        rejectSharedKey(top, audit, auditKey.path(), tokenKey);
        AuditKafkaConfig kafka = new KafkaExportSection(values).map(audit);
        return new AuditConfig(directory, segmentMaxBytes, segmentMaxAge, checkpointEveryRecords, checkpointInterval,
                auditKey, maxPendingRecords, kafka);
    }

    private Path defaultDirectory() {
        return baseDirectory.resolve(DEFAULT_DIRECTORY).normalize();
    }

    private SigningKeyConfig auditKey(MappingReader audit, Path directory) throws ConfigException {
        return new SigningKeySection(values, baseDirectory).map(audit, AuditConfig.defaultKeyPath(directory),
                "audit key", KEY_ALGORITHMS);
    }

    /**
     * Rejects an audit key path equal to the token signing key path. The error points at
     * {@code audit.signing-key.path} when it is written, otherwise at {@code signing-key.path}, because a
     * defaulted audit path can only collide with an explicitly written token key path.
     *
     * @param audit the {@code audit} mapping, or {@code null} when the section is absent
     */
    private void rejectSharedKey(MappingReader top, MappingReader audit, Path auditKeyPath, SigningKeyConfig tokenKey)
            throws ConfigException {
        Path auditKey = auditKeyPath.toAbsolutePath().normalize();
        if (!auditKey.equals(tokenKey.path().toAbsolutePath().normalize())) {
            return;
        }
        String expected = "different files for the audit key and the token signing key";
        Optional<YamlNode> auditKeyNode = audit == null ? Optional.empty() : auditPathNode(audit);
        if (auditKeyNode.isPresent()) {
            throw errors.at(auditKeyNode.get(), "audit.signing-key.path",
                    ConfigErrors.quote(auditKey.toString()) + " is the token signing key (signing-key.path)", expected);
        }
        YamlNode tokenKeyNode = top.optional("signing-key").orElseThrow();
        if (tokenKeyNode instanceof YamlNode.Mapping mapping && mapping.entries().containsKey("path")) {
            tokenKeyNode = mapping.entries().get("path").value();
        }
        throw errors.at(tokenKeyNode, "signing-key.path", ConfigErrors.quote(auditKey.toString())
                + " is the default audit key path (audit.signing-key.path)", expected);
    }

    private static Optional<YamlNode> auditPathNode(MappingReader audit) {
        Optional<YamlNode> key = audit.optional("signing-key");
        if (key.isPresent() && key.get() instanceof YamlNode.Mapping mapping && mapping.entries().containsKey("path")) {
            return Optional.of(mapping.entries().get("path").value());
        }
        return Optional.empty();
    }
}
