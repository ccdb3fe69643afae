package dev.agentgateway.gateway.cli;

import dev.agentgateway.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * Root of the {@code agent-gateway} command line and main class of the fat jar. Exit codes: 0 success, 1 failure
 * (for example an invalid audit log), 2 invalid usage or configuration, 3 no audit log to verify, 4 a listener
 * could not bind.
 */
@Command(name = "agent-gateway",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        scope = ScopeType.INHERIT,
        description = "Gateway for AI agents' tool calls: DPoP-bound capability tokens, policy, audit, proxy.",
        subcommands = {ServeCommand.class, KeysCommand.class, AuditCommand.class, AdminCommand.class,
            HelpCommand.class})
public final class AgentGatewayCommand implements Runnable {

    /** Class name of the {@code demo} command, added when it is on the class path. */
    static final String DEMO_COMMAND = "dev.agentgateway.gateway.demo.DemoCommand";
    static final int EXIT_USAGE = 2;

    @Spec
    private CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Returns the command line with every subcommand and the error handling that maps errors to exit codes. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new AgentGatewayCommand());
        addDemoCommand(commandLine);
        commandLine.setExecutionExceptionHandler((error, failedCommand, parseResult) -> {
            if (error instanceof ConfigException) {
                failedCommand.getErr().println(error.getMessage());
                return EXIT_USAGE;
            }
            throw error;
        });
        return commandLine;
    }

    private static void addDemoCommand(CommandLine commandLine) {
        try {
            commandLine.addSubcommand(Class.forName(DEMO_COMMAND).getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException e) {
            // Builds without the demo simply have no demo command.
        }
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command (expected: one of "
                + String.join(", ", spec.subcommands().keySet()) + ")");
    }
}
