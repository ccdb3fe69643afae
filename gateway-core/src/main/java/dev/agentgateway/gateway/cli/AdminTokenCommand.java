package dev.agentgateway.gateway.cli;

import dev.agentgateway.gateway.internal.admin.AdminCredentials;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Creates an admin bearer credential: prints a new random token once, and the configuration lines that accept it,
 * which hold only its SHA-256. The token is not stored anywhere, so it cannot be printed again.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Prints a new admin bearer token (256 random bits, base64url) and the admin.credentials"
                + " lines with its SHA-256.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the token and the configuration lines were printed",
            "2:--name is missing or is not a valid credential name"})
final class AdminTokenCommand implements Callable<Integer> {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    private static final int TOKEN_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    @Spec
    private CommandSpec spec;

    @Option(names = "--name", required = true, paramLabel = "NAME",
            description = "Who holds the credential, for example siem: lowercase letters, digits, '.', '_', '-'.")
    private String name;

    @Override
    public Integer call() {
        if (!NAME.matcher(name).matches()) {
            throw new ParameterException(spec.commandLine(), "--name: \"" + name
                    + "\" is not a valid credential name (expected: [a-z0-9][a-z0-9._-]*)");
        }
        byte[] secret = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(secret);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        String digest = HexFormat.of().formatHex(AdminCredentials.sha256(token));
        PrintWriter out = spec.commandLine().getOut();
        out.println("token (shown once; send it as Authorization: Bearer <token>):");
        out.println(token);
        out.println();
        out.println("configuration lines:");
        out.println("admin:");
        out.println("  credentials:");
        out.println("    - name: " + name);
        out.println("      token-sha256: " + digest);
        return 0;
    }
}
