package dev.agentgateway.token;

import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.token.internal.GatewaySigningKey;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Creates and rotates gateway signing keys, for example with {@code agent-gateway keys generate} and
 * {@code agent-gateway keys rotate}. Nothing about a key except its {@code kid} leaves these methods, and nothing
 * secret is logged.
 */
public final class SigningKeys {

    /** Algorithms of new keys: {@code ES256} (EC P-256) and {@code EdDSA} (Ed25519). */
    public static final List<String> ALGORITHMS = GatewaySigningKey.ALGORITHMS;

    private SigningKeys() {
    }

    /**
     * The outcome of {@link #rotate(Path, String, TokenConfig, Clock)}.
     *
     * @param newKeyId {@code kid} of the key that now signs
     * @param retiredKeyId {@code kid} of the key that signed before
     * @param retiredAt when the previous key stopped signing
     * @param retiredKeyDeadline when gateways with this token configuration stop publishing and accepting the
     *     previous key
     */
    public record Rotation(String newKeyId, String retiredKeyId, Instant retiredAt, Instant retiredKeyDeadline) {

        public Rotation {
            Objects.requireNonNull(newKeyId, "newKeyId");
            Objects.requireNonNull(retiredKeyId, "retiredKeyId");
            Objects.requireNonNull(retiredAt, "retiredAt");
            Objects.requireNonNull(retiredKeyDeadline, "retiredKeyDeadline");
        }
    }

    /** Generates a new ES256 signing key file; see {@link #generate(Path, String)}. */
    public static String generate(Path path) throws IOException {
        return generate(path, "ES256");
    }

    /**
     * Generates a new signing key and writes it, as a JWK set of one private key, to a new file at {@code path}
     * with owner-only (0600) permissions where the file system has POSIX permissions. Missing parent directories
     * are created owner-only (0700). The key's {@code kid} is its RFC 7638 thumbprint.
     *
     * @param algorithm {@code ES256} or {@code EdDSA}
     * @return the new key's {@code kid}
     * @throws FileAlreadyExistsException when {@code path} exists; the existing file is left unchanged
     * @throws IOException when the file or its directory cannot be created or written
     * @throws IllegalArgumentException when {@code algorithm} is not one of {@link #ALGORITHMS}
     */
    public static String generate(Path path, String algorithm) throws IOException {
        return GatewaySigningKey.createNew(path, algorithm);
    }

    /**
     * Rotates the key file at {@code path} now: a new key of {@code algorithm} signs from here on, and the previous
     * key stays in the file, retired, so running gateways keep publishing and accepting it until the tokens it
     * signed have expired. The file is replaced atomically with owner-only permissions.
     *
     * @return the new key's {@code kid}
     * @throws NoSuchFileException when there is no key file at {@code path}
     * @throws IOException when the file cannot be read, is not a valid key file, or cannot be written
     * @throws IllegalArgumentException when {@code algorithm} is not one of {@link #ALGORITHMS}
     */
    public static String rotate(Path path, String algorithm) throws IOException {
        return GatewaySigningKey.rotate(path, algorithm, Clock.systemUTC()).newKeyId();
    }

    /**
     * Rotates the key file at {@code path} like {@link #rotate(Path, String)} and reports when gateways using
     * {@code tokens} drop the previous key.
     */
    public static Rotation rotate(Path path, String algorithm, TokenConfig tokens, Clock clock) throws IOException {
        GatewaySigningKey.Rotation rotation = GatewaySigningKey.rotate(path, algorithm, clock);
        Instant deadline = rotation.retiredAt().plus(GatewaySigningKey.retention(tokens));
        return new Rotation(rotation.newKeyId(), rotation.retiredKeyId(), rotation.retiredAt(), deadline);
    }
}
