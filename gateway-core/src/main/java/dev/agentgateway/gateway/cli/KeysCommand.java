package dev.agentgateway.gateway.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Groups the signing key commands. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manages the gateway's signing keys.",
        subcommands = {KeysGenerateCommand.class, KeysRotateCommand.class})
final class KeysCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command (expected: generate or rotate)");
    }
}
