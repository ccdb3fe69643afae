package dev.agentgateway.gateway.cli;

import dev.agentgateway.audit.AuditVerifier;
import dev.agentgateway.audit.FileAuditLog;
import dev.agentgateway.audit.VerificationResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Verifies the hash chain of an audit log directory. Exit codes: 0 valid, 1 invalid (the first bad record is
 * named), 2 the directory does not exist, is not a directory or cannot be read, 3 the directory has no audit log.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Verifies every record of an audit log and names the first bad one.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the log is valid",
            "1:the log is invalid; the first bad record is named",
            "2:DIR does not exist, is not a directory or cannot be read",
            "3:DIR contains no audit log (" + FileAuditLog.FILE_NAME + ")"})
final class AuditVerifyCommand implements Callable<Integer> {

    static final int EXIT_INVALID = 1;
    static final int EXIT_NO_LOG = 3;

    /** Printed after every valid result, because a valid chain does not prove the log is complete. */
    static final String LIMITATION_NOTE = "note: a hash chain cannot show that records were removed from the end"
            + " or that the last record was edited";

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "Audit log directory, which contains "
            + FileAuditLog.FILE_NAME + ".")
    private Path directory;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String unusable = unusableDirectory();
        if (unusable != null) {
            err.println(unusable);
            return AgentGatewayCommand.EXIT_USAGE;
        }
        VerificationResult result;
        try {
            result = AuditVerifier.verify(directory);
        } catch (NoSuchFileException e) {
            err.println("no audit log (" + FileAuditLog.FILE_NAME + ") in " + directory);
            return EXIT_NO_LOG;
        } catch (IOException e) {
            err.println("reading audit log directory " + directory + " failed: " + e.getMessage());
            return AgentGatewayCommand.EXIT_USAGE;
        }
        if (result.valid()) {
            out.println("audit log valid: " + result.recordsVerified() + " records");
            out.println(LIMITATION_NOTE);
            return 0;
        }
        out.println("audit log invalid: record " + result.firstBadSequence() + " (file " + result.file() + ", line "
                + result.firstBadLine() + "): " + result.problem());
        return EXIT_INVALID;
    }

    /** Returns the error message when {@link #directory} cannot hold a log to verify, or {@code null}. */
    private String unusableDirectory() {
        if (!Files.exists(directory)) {
            return "audit log directory " + directory + " does not exist";
        }
        if (!Files.isDirectory(directory)) {
            return directory + " is not a directory (expected: the audit log directory, which contains "
                    + FileAuditLog.FILE_NAME + ")";
        }
        if (!Files.isReadable(directory)) {
            return "audit log directory " + directory + " cannot be read (expected: read permission for this user)";
        }
        return null;
    }
}
