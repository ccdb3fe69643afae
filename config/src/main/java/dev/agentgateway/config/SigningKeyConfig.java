package dev.agentgateway.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The gateway's token signing key.
 *
 * @param path JWK file holding the private key; generated with owner-only (0600) permissions on first start
 *     when absent
 * @param algorithm JWS algorithm of newly generated keys: {@code ES256} or {@code EdDSA} (Ed25519)
 */
public record SigningKeyConfig(Path path, String algorithm) {

    public SigningKeyConfig {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(algorithm, "algorithm");
    }
}
