package dev.agentgateway.gateway.cli;

import dev.agentgateway.audit.AuditProofs;
import dev.agentgateway.audit.AuditPublicKey;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Checks a proof printed by {@code audit prove}. */
@Command(name = "verify-proof", mixinStandardHelpOptions = true,
        description = "Checks a proof printed by audit prove: the checkpoint's signature, that the record has the"
                + " proof's seq, and that its inclusion path leads to the checkpoint's root. Needs no log.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the proof is valid",
            "1:the proof is invalid; what failed is named",
            "2:the proof file, configuration or a key file cannot be read"})
final class AuditVerifyProofCommand implements Callable<Integer> {

    /** Maximum proof size read, in bytes; a proof contains one record of at most 1 MiB plus escaping and about 64 hashes. */
    static final int MAX_PROOF_BYTES = 8 << 20;

    @Spec
    private CommandSpec spec;

    @Mixin
    private AuditLogOptions logOptions;

    @Option(names = "--public-key", paramLabel = "FILE",
            description = "JWK file of a public (or private) audit key to accept the checkpoint signature from;"
                    + " repeatable. Default: the audit key file of --config FILE, the file "
                    + AuditConfig.DEFAULT_KEY_FILE_NAME + " beside --directory DIR, or, with neither,"
                    + " agent-gateway-data/" + AuditConfig.DEFAULT_KEY_FILE_NAME + " in the current directory.")
    private List<Path> publicKeyFiles;

    @Parameters(paramLabel = "FILE", description = "File containing the proof, or - for standard input.")
    private String proofFile;

    @Override
    public Integer call() throws ConfigException {
        List<AuditPublicKey> keys;
        AuditLogOptions.Location location = publicKeyFiles == null || publicKeyFiles.isEmpty()
                ? logOptions.resolve(null) : null;
        try {
            keys = AuditLogOptions.publicKeys(publicKeyFiles, location);
        } catch (AuditLogOptions.KeyFileException e) {
            spec.commandLine().getErr().println(e.getMessage() + (publicKeyFiles == null || publicKeyFiles.isEmpty()
                    ? "; to use another copy of the public key, give it with --public-key FILE" : ""));
            return AgentGatewayCommand.EXIT_USAGE;
        }
        String proof;
        try {
            proof = readProof();
        } catch (NoSuchFileException e) {
            spec.commandLine().getErr().println("proof file " + proofFile + " not found");
            return AgentGatewayCommand.EXIT_USAGE;
        } catch (AccessDeniedException e) {
            spec.commandLine().getErr().println("reading proof " + proofFile + " failed: permission denied");
            return AgentGatewayCommand.EXIT_USAGE;
        } catch (FileSystemException e) {
            spec.commandLine().getErr().println("reading proof " + proofFile + " failed: "
                    + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()));
            return AgentGatewayCommand.EXIT_USAGE;
        } catch (IOException e) {
            spec.commandLine().getErr().println("reading proof " + proofFile + " failed: " + e.getMessage());
            return AgentGatewayCommand.EXIT_USAGE;
        }
        AuditProofs.ProofVerification result = AuditProofs.verifyProof(proof, keys);
        if (!result.valid()) {
            // Without --public-key the key comes from a file the user may not have named, so the message names it.
            String keySource = location == null ? "" : " (checked with the audit key file " + location.keyFile()
                    + "; give the signer's public key with --public-key FILE)";
            spec.commandLine().getOut().println("proof invalid: " + result.message() + keySource);
            return AuditVerifyCommand.EXIT_INVALID;
        }
        spec.commandLine().getOut().println("proof valid: " + result.message());
        return 0;
    }

    private String readProof() throws IOException {
        try (InputStream in = "-".equals(proofFile) ? System.in : Files.newInputStream(Path.of(proofFile))) {
            byte[] bytes = in.readNBytes(MAX_PROOF_BYTES + 1);
            if (bytes.length > MAX_PROOF_BYTES) {
                throw new IOException("longer than " + MAX_PROOF_BYTES + " bytes");
            }
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        }
    }
}
