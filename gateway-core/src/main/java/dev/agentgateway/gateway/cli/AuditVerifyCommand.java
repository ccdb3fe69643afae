package dev.agentgateway.gateway.cli;

import dev.agentgateway.audit.AuditVerifier;
import dev.agentgateway.audit.VerificationResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Verifies the hash chain of an audit log directory. Exit codes: 0 valid, 1 invalid (the first bad record is
 * named), 2 the directory cannot be read.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Verifies every record of an audit log and names the first bad one.")
final class AuditVerifyCommand implements Callable<Integer> {

    static final int EXIT_INVALID = 1;

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "Audit log directory.")
    private Path directory;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isDirectory(directory) || !Files.isReadable(directory)) {
            err.println("audit log directory " + directory + " cannot be read (expected: a readable directory)");
            return AgentGatewayCommand.EXIT_USAGE;
        }
        VerificationResult result;
        try {
            result = AuditVerifier.verify(directory);
        } catch (IOException e) {
            err.println("reading audit log directory " + directory + " failed: " + e.getMessage());
            return AgentGatewayCommand.EXIT_USAGE;
        }
        if (result.valid()) {
            out.println("audit log valid: " + result.recordsVerified() + " records");
            return 0;
        }
        out.println("audit log invalid: record " + result.firstBadSequence() + " (file " + result.file() + ", line "
                + result.firstBadLine() + "): " + result.problem());
        return EXIT_INVALID;
    }
}
