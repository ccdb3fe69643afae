package dev.agentgateway.audit;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import dev.agentgateway.audit.internal.AuditJwk;
import dev.agentgateway.config.SigningKeyConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.text.ParseException;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Private audit key, which signs checkpoints. Thread-safe. {@link #toString()} prints the algorithm and key id
 * only, never private material.
 *
 * <p>On disk the key is one private JWK (an object, not a key set) with {@code kty}, {@code crv}, {@code x}
 * ({@code y} for P-256), {@code d}, {@code alg} and {@code kid} = the RFC 7638 thumbprint, written as canonical
 * JSON with owner-only permissions (0600) in a directory created owner-only (0700) where POSIX permissions exist.
 */
public final class AuditSigningKey {

    private static final Logger LOG = LoggerFactory.getLogger(AuditSigningKey.class);

    private static final Set<PosixFilePermission> OWNER_READ_WRITE =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    private final JWK jwk;
    private final PrivateKey privateKey;
    private final AuditPublicKey publicKey;

    private AuditSigningKey(JWK jwk) {
        this.publicKey = AuditPublicKey.fromJwk(jwk);
        this.jwk = jwk;
        this.privateKey = AuditJwk.privateKey(jwk);
    }

    /**
     * Loads the key file named by {@code config}, or generates a key of {@code config.algorithm()} and writes it
     * there when the file does not exist. A loaded key keeps its own algorithm, whatever the configuration says
     * for new keys.
     *
     * @throws IOException when the file cannot be read or written, or group or others may access it
     * @throws IllegalArgumentException when the file does not hold a private audit key; the message names the file
     */
    public static AuditSigningKey loadOrGenerate(SigningKeyConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        Path path = config.path();
        try {
            return load(path);
        } catch (NoSuchFileException e) {
            AuditSigningKey key = generate(config.algorithm());
            if (!writeNew(path, key.toPrivateJson())) {
                return load(path);
            }
            LOG.info("Generated audit key {} ({}) in {}", key.keyId(), key.algorithm(), path);
            return key;
        }
    }

    private static AuditSigningKey load(Path path) throws IOException {
        String text = Files.readString(path, StandardCharsets.UTF_8);
        rejectAccessByOthers(path);
        try {
            JWK parsed = JWK.parse(text);
            if (!parsed.isPrivate()) {
                throw new IllegalArgumentException("public key found (expected: a private JWK with \"d\")");
            }
            return new AuditSigningKey(parsed);
        } catch (ParseException e) {
            throw new IllegalArgumentException(path + ": audit key rejected: not a JWK (" + e.getMessage() + ")", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Rejects a key file that group or others may access, because anyone who can read it can sign a rewritten log.
     * NOTE: on file systems without POSIX permissions the file's access is not checked.
     */
    private static void rejectAccessByOthers(Path path) throws IOException {
        if (!Files.getFileStore(path).supportsFileAttributeView("posix")) {
            return;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
        if (!OWNER_READ_WRITE.containsAll(permissions)) {
            throw new IOException("audit key file " + path + " is accessible by group or others (permissions "
                    + PosixFilePermissions.toString(permissions) + ", expected: rw-------); run: chmod 600 " + path);
        }
    }

    /**
     * Writes {@code json} to {@code path} through a temporary file in the same directory, fsynced and renamed into
     * place. Returns false, leaving the existing file alone, when another process created {@code path} first.
     */
    private static boolean writeNew(Path path, String json) throws IOException {
        Path absolute = path.toAbsolutePath();
        Path directory = absolute.getParent();
        boolean posix = createDirectories(directory);
        Path temp = directory.resolve("." + absolute.getFileName() + ".tmp-" + ProcessHandle.current().pid()
                + "-" + System.nanoTime());
        FileAttribute<?>[] attributes = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)}
                : new FileAttribute<?>[0];
        try {
            try (FileChannel channel = FileChannel.open(temp, EnumSet.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), attributes)) {
                ByteBuffer bytes = ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            if (Files.exists(absolute)) {
                return false;
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(temp);
        }
        forceDirectory(directory);
        return true;
    }

    private static boolean createDirectories(Path directory) throws IOException {
        boolean posix = Files.getFileStore(existingAncestor(directory)).supportsFileAttributeView("posix");
        if (posix) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
        } else {
            Files.createDirectories(directory);
        }
        return posix;
    }

    private static Path existingAncestor(Path directory) {
        Path existing = directory;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing == null ? directory.getRoot() : existing;
    }

    /** Makes the rename durable; some platforms cannot open a directory, and the rename stays atomic there. */
    private static void forceDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.debug("fsync of directory {} not supported: {}", directory, e.toString());
        }
    }

    /**
     * Generates a new in-memory key.
     *
     * @param algorithm {@code EdDSA} (Ed25519) or {@code ES256} (P-256)
     * @throws IllegalArgumentException for any other algorithm
     */
    public static AuditSigningKey generate(String algorithm) {
        return new AuditSigningKey(AuditJwk.generate(algorithm));
    }

    /** Returns the signature algorithm: {@code EdDSA} or {@code ES256}. */
    public String algorithm() {
        return publicKey.algorithm();
    }

    /** Returns the RFC 7638 thumbprint of the public key, base64url encoded. */
    public String keyId() {
        return publicKey.keyId();
    }

    /**
     * Signs {@code data}: a 64-byte Ed25519 signature for {@code EdDSA}, or a 64-byte R || S ECDSA P-256 SHA-256
     * signature for {@code ES256}.
     */
    public byte[] sign(byte[] data) {
        return AuditJwk.sign(algorithm(), privateKey, data);
    }

    /** Returns the public half. */
    public AuditPublicKey publicKey() {
        return publicKey;
    }

    /** Returns the private JWK as canonical JSON, the key file's content. */
    String toPrivateJson() {
        CanonicalObject object = new CanonicalObject()
                .put("alg", algorithm())
                .put("kid", keyId())
                .put("kty", jwk.getKeyType().getValue());
        if (jwk instanceof ECKey ec) {
            object.put("crv", ec.getCurve().getName())
                    .put("d", ec.getD().toString())
                    .put("x", ec.getX().toString())
                    .put("y", ec.getY().toString());
        } else {
            OctetKeyPair okp = (OctetKeyPair) jwk;
            object.put("crv", okp.getCurve().getName())
                    .put("d", okp.getD().toString())
                    .put("x", okp.getX().toString());
        }
        return object.toString();
    }

    @Override
    public String toString() {
        return "AuditSigningKey[alg=" + algorithm() + ", kid=" + keyId() + "]";
    }
}
