package dev.agentgateway.gateway.cli;

import dev.agentgateway.audit.AuditProofs;
import dev.agentgateway.config.ConfigException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Prints the inclusion proof of one record against the latest checkpoint, as one line of canonical JSON.
 */
@Command(name = "prove", mixinStandardHelpOptions = true,
        description = {"Prints a proof that record SEQ is in the log, against the latest signed checkpoint:"
                + " one JSON object with the checkpoint line, the record line and the RFC 9162 inclusion path.",
            "Anyone with the audit public key can check it with audit verify-proof. Save it to keep a copy of the"
                + " checkpoint outside the log."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the proof was printed",
            "1:no proof: record SEQ does not exist or is not covered by the latest checkpoint yet, or the log does"
                + " not match the checkpoint",
            "2:invalid usage (SEQ below 1), or the directory or configuration cannot be used",
            "3:the directory contains no audit log"})
final class AuditProveCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private AuditLogOptions logOptions;

    @Parameters(paramLabel = "SEQ", description = "seq of the record to prove (1 or more).")
    private long sequence;

    @Override
    public Integer call() throws ConfigException {
        if (sequence < 1) {
            throw new ParameterException(spec.commandLine(), "SEQ: " + sequence + " is not a record seq (expected:"
                    + " 1 or more)");
        }
        AuditLogOptions.Location location = logOptions.resolve(null);
        String unusable = AuditLogOptions.unusableDirectory(location.directory());
        if (unusable != null) {
            spec.commandLine().getErr().println(unusable);
            return AgentGatewayCommand.EXIT_USAGE;
        }
        String proof;
        try {
            proof = AuditProofs.prove(location.directory(), sequence);
        } catch (NoSuchFileException e) {
            spec.commandLine().getErr().println("no audit log in " + location.directory());
            return AuditVerifyCommand.EXIT_NO_LOG;
        } catch (IOException e) {
            spec.commandLine().getErr().println("reading audit log directory " + location.directory() + " failed: "
                    + e.getMessage());
            return AgentGatewayCommand.EXIT_USAGE;
        } catch (IllegalArgumentException | IllegalStateException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return AuditVerifyCommand.EXIT_INVALID;
        }
        spec.commandLine().getOut().println(proof);
        return 0;
    }
}
