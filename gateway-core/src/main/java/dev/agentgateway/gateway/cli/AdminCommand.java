package dev.agentgateway.gateway.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Groups the commands that manage admin listener access. */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "Manages admin listener credentials.",
        subcommands = AdminTokenCommand.class)
final class AdminCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command (expected: token)");
    }
}
