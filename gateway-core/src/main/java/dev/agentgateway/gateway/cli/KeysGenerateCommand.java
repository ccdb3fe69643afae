package dev.agentgateway.gateway.cli;

import dev.agentgateway.token.SigningKeys;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Generates a new gateway signing key into a new file and prints its {@code kid} and path, never the key. Exit
 * codes: 0 written, 2 the file exists or cannot be written.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generates a new signing key (a JWK set holding one private key) into a new file with "
                + "owner-only (0600) permissions, for the signing-key path of the configuration. An existing file "
                + "is never replaced.")
final class KeysGenerateCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--out", paramLabel = "FILE", required = true,
            description = "File to create. Missing parent directories are created owner-only (0700).")
    private Path out;

    @Option(names = "--algorithm", paramLabel = "ALG", defaultValue = "ES256",
            description = "Algorithm of the key: ES256 (EC P-256) or EdDSA (Ed25519). Default: ${DEFAULT-VALUE}.")
    private String algorithm;

    @Override
    public Integer call() {
        if (!SigningKeys.ALGORITHMS.contains(algorithm)) {
            throw new ParameterException(spec.commandLine(), "--algorithm: \"" + algorithm + "\" is not supported "
                    + "(expected: one of " + String.join(", ", SigningKeys.ALGORITHMS) + ")");
        }
        String keyId;
        try {
            keyId = SigningKeys.generate(out, algorithm);
        } catch (FileAlreadyExistsException e) {
            spec.commandLine().getErr().println("signing key file " + out + " already exists (expected: a new "
                    + "path); the existing file was left unchanged. Choose another path or remove the file first.");
            return AgentGatewayCommand.EXIT_USAGE;
        } catch (IOException e) {
            spec.commandLine().getErr().println("writing signing key file " + out + " failed: " + e.getMessage());
            return AgentGatewayCommand.EXIT_USAGE;
        }
        spec.commandLine().getOut().println("generated " + algorithm + " signing key " + keyId + " in " + out.toAbsolutePath());
        return 0;
    }
}
