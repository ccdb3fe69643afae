package dev.agentgateway.gateway.cli;

import dev.agentgateway.audit.AuditFilter;
import dev.agentgateway.audit.AuditPrinter;
import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import dev.agentgateway.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Prints audit records, one line each, optionally filtered, and with {@code --follow} keeps printing new ones.
 * Every value is escaped, so a record cannot send control characters or escape sequences to the terminal.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = "Prints the audit log's records, escaped for the terminal; --follow waits for new ones.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the records were printed",
            "1:reading the log failed",
            "2:invalid usage or configuration, or the directory does not exist"})
final class AuditTailCommand implements Callable<Integer> {

    /** Time between two reads of the log while following it. */
    static final Duration FOLLOW_INTERVAL = Duration.ofMillis(200);

    @Spec
    private CommandSpec spec;

    @Mixin
    private AuditLogOptions logOptions;

    @Option(names = {"-f", "--follow"}, description = "Keep printing records as they are appended.")
    private boolean follow;

    @Option(names = "--since", paramLabel = "TIME",
            description = "Print records from this RFC 3339 time on, for example 2026-12-04T20:30:00Z.")
    private String since;

    @Option(names = "--principal", paramLabel = "P",
            description = "Print records of this principal only, as recorded, for example 'alice (https://idp)'.")
    private String principal;

    @Option(names = "--tool", paramLabel = "T", description = "Print records of this tool only.")
    private String tool;

    @Option(names = "--decision", paramLabel = "allow|deny", description = "Print records with this decision only.")
    private String decision;

    @Option(names = "--json",
            description = "Print each record as its JSON line, with every character outside printable ASCII escaped.")
    private boolean json;

    @Parameters(paramLabel = "DIR", arity = "0..1",
            description = "Audit log directory; the same as --directory DIR.")
    private Path positionalDirectory;

    @Override
    public Integer call() throws ConfigException {
        AuditFilter filter = filter();
        Path logDirectory = logOptions.resolve(positionalDirectory).directory();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String unusable = AuditLogOptions.unusableDirectory(logDirectory);
        if (unusable != null) {
            err.println(unusable);
            return AgentGatewayCommand.EXIT_USAGE;
        }
        try (AuditRecords records = AuditRecords.open(logDirectory)) {
            do {
                printAvailable(records, filter, out);
                out.flush();
            } while (follow && waitForMore());
        } catch (IOException e) {
            if (follow && e instanceof ClosedByInterruptException) {
                // An interrupt ends --follow. One that arrives during a read closes the log's file channel instead
                // of ending the wait, and the thread stays interrupted in both cases.
                out.flush();
                return 0;
            }
            err.println("reading the audit log in " + logDirectory + " failed: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    /** Waits before the next read. Returns false when the thread is interrupted, which ends --follow. */
    private static boolean waitForMore() {
        try {
            Thread.sleep(FOLLOW_INTERVAL.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void printAvailable(AuditRecords records, AuditFilter filter, PrintWriter out) throws IOException {
        for (AuditRecord record = records.next(); record != null; record = records.next()) {
            if (filter.matches(record)) {
                out.println(json ? AuditPrinter.json(record) : AuditPrinter.readable(record));
            }
        }
    }

    private AuditFilter filter() {
        try {
            Instant sinceTime = since == null ? null : AuditFilter.parseTime("--since", since);
            return new AuditFilter(sinceTime, principal, tool, decision);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
