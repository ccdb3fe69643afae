package dev.agentgateway.gateway.cli;

import dev.agentgateway.audit.AuditPublicKey;
import dev.agentgateway.audit.AuditVerifier;
import dev.agentgateway.audit.VerificationResult;
import dev.agentgateway.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Verifies an audit log directory: records, hash chain and signed checkpoints. Exit codes: 0 valid, 1 invalid (the
 * first bad record or checkpoint is named), 2 the directory, configuration or key cannot be used, 3 the directory
 * has no audit log.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verifies every record and checkpoint of an audit log and names the first bad one.",
            "Checkpoint signatures are checked with the given public keys, by default the public part of the"
                + " configured audit key. Records not yet covered by a checkpoint are reported as such; they fail"
                + " once they are older than the checkpoint interval plus one minute."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the log is valid",
            "1:the log is invalid; the first bad record or checkpoint is named",
            "2:the directory does not exist, is not a directory or cannot be read, or the configuration or a key"
                + " file is invalid",
            "3:the directory contains no audit log (no segment files)"})
final class AuditVerifyCommand implements Callable<Integer> {

    static final int EXIT_INVALID = 1;
    static final int EXIT_NO_LOG = 3;

    @Spec
    private CommandSpec spec;

    @Mixin
    private AuditLogOptions logOptions;

    @Option(names = "--public-key", paramLabel = "FILE",
            description = "JWK file of a public (or private) audit key to accept checkpoint signatures from;"
                    + " repeat for keys used before a rotation. Default: the configured audit key file.")
    private List<Path> publicKeyFiles;

    @Parameters(paramLabel = "DIR", arity = "0..1",
            description = "Audit log directory; the same as --directory DIR.")
    private Path positionalDirectory;

    @Override
    public Integer call() throws ConfigException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AuditLogOptions.Location location = logOptions.resolve(positionalDirectory);
        String unusable = AuditLogOptions.unusableDirectory(location.directory());
        if (unusable != null) {
            err.println(unusable);
            return AgentGatewayCommand.EXIT_USAGE;
        }
        try {
            // Checked before the keys are loaded, so that a wrong directory is reported as such and not as a
            // missing key file beside it.
            if (!AuditVerifier.containsLog(location.directory())) {
                err.println(noLogMessage(location.directory()));
                return EXIT_NO_LOG;
            }
        } catch (IOException e) {
            err.println("reading audit log directory " + location.directory() + " failed: " + e.getMessage());
            return AgentGatewayCommand.EXIT_USAGE;
        }
        List<AuditPublicKey> keys;
        try {
            keys = AuditLogOptions.publicKeys(publicKeyFiles, location);
        } catch (AuditLogOptions.KeyFileException e) {
            err.println(e.getMessage() + (publicKeyFiles == null || publicKeyFiles.isEmpty()
                    ? "; to use another copy of the public key, give it with --public-key FILE" : ""));
            return AgentGatewayCommand.EXIT_USAGE;
        }
        VerificationResult result;
        try {
            result = AuditVerifier.verify(location.directory(), keys,
                    AuditVerifier.Options.forCheckpointInterval(location.checkpointInterval()));
        } catch (NoSuchFileException e) {
            err.println(noLogMessage(location.directory()));
            return EXIT_NO_LOG;
        } catch (IOException e) {
            err.println("reading audit log directory " + location.directory() + " failed: " + e.getMessage());
            return AgentGatewayCommand.EXIT_USAGE;
        }
        out.println(result.summary());
        if (!result.valid()) {
            return EXIT_INVALID;
        }
        out.println("note: " + result.limitation());
        return 0;
    }

    private static String noLogMessage(Path directory) {
        return "no audit log (segment files audit-<seq>.log or " + AuditVerifier.CHECKPOINT_FILE_NAME + ") in "
                + directory;
    }
}
