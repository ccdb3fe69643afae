package dev.agentgateway.gateway.cli;

import dev.agentgateway.audit.AuditPublicKey;
import dev.agentgateway.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Prints the public JWK of the configured audit key. */
@Command(name = "public-key", mixinStandardHelpOptions = true,
        description = "Prints the public JWK of the configured audit key (never the private part), for"
                + " audit verify --public-key and audit verify-proof on another machine.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the key was printed",
            "2:the configuration or the key file cannot be used"})
final class AuditPublicKeyCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private AuditLogOptions logOptions;

    @Parameters(paramLabel = "DIR", arity = "0..1",
            description = "Audit log directory, whose audit key is the file beside it; the same as --directory DIR.")
    private Path positionalDirectory;

    @Override
    public Integer call() throws ConfigException {
        AuditLogOptions.Location location = logOptions.resolve(positionalDirectory);
        List<AuditPublicKey> keys;
        try {
            keys = AuditLogOptions.publicKeys(List.of(), location);
        } catch (AuditLogOptions.KeyFileException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return AgentGatewayCommand.EXIT_USAGE;
        }
        spec.commandLine().getOut().println(keys.get(0).toJson());
        return 0;
    }
}
