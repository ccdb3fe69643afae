package dev.agentgateway.gateway.cli;

import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.token.SigningKeys;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Rotates the signing key file of a configuration and prints the new {@code kid} and when the previous key stops
 * being accepted, never a key.
 */
@Command(name = "rotate", mixinStandardHelpOptions = true,
        description = "Generates a new signing key and makes it the one that signs, in the signing-key file of the "
                + "configuration. The previous key stays in the file, retired: running gateways reread the file "
                + "within a second, keep publishing the previous key and accept tokens it signed until they have "
                + "expired. The file is replaced atomically with owner-only (0600) permissions.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the key file was rotated",
            "2:the configuration is invalid, or the key file is missing, invalid or cannot be written"})
final class KeysRotateCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML configuration file naming the signing-key path. Without it the embedded default "
                    + "configuration is used, with relative paths resolved against the current directory.")
    private Path configFile;

    @Option(names = "--algorithm", paramLabel = "ALG",
            description = "Algorithm of the new key: ES256 or EdDSA. Default: signing-key.algorithm of the "
                    + "configuration.")
    private String algorithm;

    @Override
    public Integer call() throws Exception {
        GatewayConfig config = configFile != null ? ConfigLoader.load(configFile) : ServeCommand.loadDefault();
        String newAlgorithm = algorithm != null ? algorithm : config.signingKey().algorithm();
        if (!SigningKeys.ALGORITHMS.contains(newAlgorithm)) {
            throw new ParameterException(spec.commandLine(), "--algorithm: \"" + newAlgorithm + "\" is not "
                    + "supported (expected: one of " + String.join(", ", SigningKeys.ALGORITHMS) + ")");
        }
        Path keyFile = config.signingKey().path();
        SigningKeys.Rotation rotation;
        try {
            rotation = SigningKeys.rotate(keyFile, newAlgorithm, config.tokens(), Clock.systemUTC());
        } catch (NoSuchFileException e) {
            spec.commandLine().getErr().println("signing key file " + keyFile + " does not exist (expected: a key "
                    + "file to rotate). Create one with keys generate, or start the gateway once.");
            return AgentGatewayCommand.EXIT_USAGE;
        } catch (IOException e) {
            spec.commandLine().getErr().println("rotating signing key file " + keyFile + " failed: "
                    + e.getMessage());
            return AgentGatewayCommand.EXIT_USAGE;
        }
        spec.commandLine().getOut().println("new " + newAlgorithm + " signing key " + rotation.newKeyId() + " in "
                + keyFile);
        spec.commandLine().getOut().println("retired signing key " + rotation.retiredKeyId()
                + " is published and accepted until " + rotation.retiredKeyDeadline());
        return 0;
    }
}
