package dev.agentgateway.token;

import dev.agentgateway.token.internal.GatewaySigningKey;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;

/** Creates gateway signing keys ahead of the first start, for example with {@code agent-gateway keys generate}. */
public final class SigningKeys {

    private SigningKeys() {
    }

    /**
     * Generates a new ES256 signing key (a private EC P-256 JWK) and writes it to a new file at {@code path}, with
     * owner-only (0600) permissions where the file system has POSIX permissions. Missing parent directories are
     * created owner-only (0700). The key's {@code kid} is its RFC 7638 thumbprint. Nothing about the key except
     * the returned {@code kid} leaves this method, and nothing is logged.
     *
     * @return the new key's {@code kid}
     * @throws FileAlreadyExistsException when {@code path} exists; the existing file is left unchanged
     * @throws IOException when the file or its directory cannot be created or written
     */
    public static String generate(Path path) throws IOException {
        return GatewaySigningKey.createNew(path).keyId();
    }
}
