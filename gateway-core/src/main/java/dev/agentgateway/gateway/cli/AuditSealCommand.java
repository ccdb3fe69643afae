package dev.agentgateway.gateway.cli;

import dev.agentgateway.audit.AuditPublicKey;
import dev.agentgateway.audit.AuditSigningKey;
import dev.agentgateway.audit.AuditVerifier;
import dev.agentgateway.audit.FileAuditLog;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Signs the records that no checkpoint covers into one checkpoint, after the operator has checked them, so that a
 * gateway that refused to start on them starts again. Every other check of the open still applies.
 */
@Command(name = "seal", mixinStandardHelpOptions = true,
        description = {"Signs every record not yet covered by a checkpoint into a new checkpoint, however old.",
            "After a change of the audit key, --public-key EARLIER.jwk lets it accept a newest checkpoint signed with"
                + " the earlier key: it verifies that checkpoint, appends an audit_key_change record and signs a"
                + " checkpoint with the current key.",
            "The gateway refuses to start when such records are older than the checkpoint interval plus one"
                + " minute: checkpoints were removed, or the gateway crashed and stayed down. Check those records"
                + " first (audit verify, audit tail --since TIME, the Kafka export when it is configured), because"
                + " the new checkpoint vouches for them as they are. Stop the gateway before sealing."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the records were sealed, or a checkpoint already covered every record",
            "1:the log cannot be sealed (for example a record is dated before the last checkpoint, a record was"
                + " changed under a checkpoint, or the gateway has the log open); the reason is printed",
            "2:the directory does not exist, is not a directory or cannot be read, or the configuration or the"
                + " audit key file is invalid or missing",
            "3:the directory contains no audit log (no segment files)"})
final class AuditSealCommand implements Callable<Integer> {

    static final int EXIT_NOT_SEALED = 1;

    @Spec
    private CommandSpec spec;

    @Mixin
    private AuditLogOptions logOptions;

    @Parameters(paramLabel = "DIR", arity = "0..1",
            description = "Audit log directory; the same as --directory DIR.")
    private Path positionalDirectory;

    @Option(names = "--public-key", paramLabel = "FILE",
            description = "JWK file of an earlier audit key whose checkpoints to accept, after checking the log with"
                    + " audit verify --public-key FILE; repeat for several.")
    private List<Path> earlierKeyFiles;

    @Override
    public Integer call() throws ConfigException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AuditConfig config = logOptions.resolveConfig(positionalDirectory);
        Path directory = config.directory();
        String unusable = AuditLogOptions.unusableDirectory(directory);
        if (unusable != null) {
            err.println(unusable);
            return AgentGatewayCommand.EXIT_USAGE;
        }

        try {
            if (!AuditVerifier.containsLog(directory)) {
                err.println("no audit log (segment files audit-<seq>.log) in " + directory);
                return AuditVerifyCommand.EXIT_NO_LOG;
            }
        } catch (IOException e) {
            err.println("reading audit log directory " + directory + " failed: " + e.getMessage());
            return AgentGatewayCommand.EXIT_USAGE;
        }

        Path keyFile = config.signingKey().path();
        if (!Files.exists(keyFile)) {
            err.println("audit key file " + keyFile + " not found (expected: the key the gateway signs checkpoints"
                    + " with; seal never creates one)");
            return AgentGatewayCommand.EXIT_USAGE;
        }

        AuditSigningKey key;
        try {
            key = AuditSigningKey.loadOrGenerate(config.signingKey());
        } catch (IOException e) {
            err.println("reading audit key file " + keyFile + " failed: " + e.getMessage());
            return AgentGatewayCommand.EXIT_USAGE;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return AgentGatewayCommand.EXIT_USAGE;
        }

        List<AuditPublicKey> earlierKeys = new ArrayList<>();
        for (Path file : earlierKeyFiles == null ? List.<Path>of() : earlierKeyFiles) {
            try {
                earlierKeys.add(AuditPublicKey.read(file));
            } catch (IOException e) {
                err.println("reading public key file " + file + " failed: " + e.getMessage());
                return AgentGatewayCommand.EXIT_USAGE;
            } catch (IllegalArgumentException e) {
                err.println(e.getMessage());
                return AgentGatewayCommand.EXIT_USAGE;
            }
        }

        FileAuditLog.SealedRecords sealed;
        try {
            sealed = FileAuditLog.seal(config, key, earlierKeys, Clock.systemUTC());
        } catch (IOException e) {
            err.println("sealing audit log " + directory + " failed: " + e.getMessage());
            return EXIT_NOT_SEALED;
        }

        if (sealed == null) {
            out.println("nothing to seal: a checkpoint already covers every record in " + directory);
            return 0;
        }
        if (sealed.firstSequence() > 0) {
            out.println("sealed audit records " + sealed.firstSequence() + " to " + sealed.lastSequence() + " in "
                    + directory + ", dated " + sealed.earliestTime() + " to " + sealed.latestTime());
        }
        if (sealed.earlierKeyId() != null) {
            out.println("recorded the change of the audit key from " + sealed.earlierKeyId() + " to " + key.keyId()
                    + " as record " + sealed.checkpointSize());
        }
        out.println("signed a checkpoint of " + sealed.checkpointSize() + " records with audit key " + key.keyId());
        return 0;
    }
}
