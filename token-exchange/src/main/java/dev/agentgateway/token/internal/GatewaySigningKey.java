package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.text.ParseException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's ES256 signing key (a private EC P-256 JWK in a file with owner-only permissions). Signs
 * capability tokens and Txn-Tokens, and publishes only the public half. Thread-safe.
 */
public final class GatewaySigningKey {

    private static final Logger LOG = LoggerFactory.getLogger(GatewaySigningKey.class);
    private static final long MAX_FILE_BYTES = 64 * 1024;
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final ECKey privateKey;
    private final ECDSASigner signer;
    private final JWKSet publicKeys;

    private GatewaySigningKey(ECKey privateKey) throws JOSEException {
        this.privateKey = privateKey;
        this.signer = new ECDSASigner(privateKey);
        this.publicKeys = new JWKSet(privateKey.toPublicJWK());
    }

    /**
     * Loads the key at {@code path}, or generates one and writes it there when the file does not exist.
     *
     * @throws IOException when the file cannot be read or written, is accessible by group or others, or does not
     *     hold a private EC P-256 key
     */
    public static GatewaySigningKey loadOrGenerate(Path path) throws IOException {
        if (Files.exists(path)) {
            GatewaySigningKey key = load(path);
            LOG.info("Loaded signing key {} from {}", key.keyId(), path);
            return key;
        }
        return generate(path);
    }

    static GatewaySigningKey load(Path path) throws IOException {
        checkOwnerOnly(path);
        if (Files.size(path) > MAX_FILE_BYTES) {
            throw new IOException("signing key file " + path + " is larger than " + MAX_FILE_BYTES
                    + " bytes (expected: one JWK)");
        }
        JWK jwk;
        try {
            jwk = JWK.parse(Files.readString(path, StandardCharsets.UTF_8));
        } catch (ParseException e) {
            throw new IOException("signing key file " + path + " is not a valid JWK: " + e.getMessage());
        }
        return fromJwk(jwk, path);
    }

    private static void checkOwnerOnly(Path path) throws IOException {
        if (!supportsPosix(path)) {
            // NOTE: on file systems without POSIX permissions the key file's access is not checked.
            return;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
        if (permissions.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
            throw new IOException("signing key file " + path + " is accessible by group or others (permissions "
                    + PosixFilePermissions.toString(permissions) + ", expected: rw-------); run: chmod 600 "
                    + path);
        }
    }

    private static GatewaySigningKey fromJwk(JWK jwk, Path path) throws IOException {
        if (!(jwk instanceof ECKey) || !Curve.P_256.equals(((ECKey) jwk).getCurve())) {
            throw new IOException("signing key file " + path + " contains a " + jwk.getKeyType() + " key (expected: "
                    + "EC key on curve P-256 for ES256)");
        }
        if (!jwk.isPrivate()) {
            throw new IOException("signing key file " + path + " contains only a public key (expected: the private "
                    + "key, with member d)");
        }
        try {
            ECKey key = (ECKey) jwk;
            if (key.getKeyID() == null) {
                key = new ECKey.Builder(key).keyIDFromThumbprint().build();
            }
            return new GatewaySigningKey(key);
        } catch (JOSEException e) {
            throw new IOException("signing key file " + path + " contains an unusable key: " + e.getMessage(), e);
        }
    }

    static GatewaySigningKey generate(Path path) throws IOException {
        ECKey key = newKey();
        writeOwnerOnly(path, key.toJSONString());
        LOG.info("Generated signing key {} at {}", key.getKeyID(), path);
        return usable(key);
    }

    /**
     * Generates a key and writes it to a new file at {@code path} with owner-only permissions, never replacing an
     * existing file. Creating the file and checking that none exists is one atomic step ({@code O_EXCL}). When
     * writing fails after the file was created, the partial file is deleted.
     *
     * @throws FileAlreadyExistsException when {@code path} exists; the existing file is left unchanged
     * @throws IOException when the file or its directory cannot be created or written
     */
    public static GatewaySigningKey createNew(Path path) throws IOException {
        ECKey key = newKey();
        Path target = path.toAbsolutePath();
        boolean posix = createDirectories(target.getParent());
        try {
            Files.createFile(target, ownerOnlyFileAttributes(posix));
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(path.toString(), null,
                    "a file already exists at this path (expected: a new file; the existing file was left unchanged)");
        }
        try {
            writeAndSync(target, key.toJSONString());
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target);
            throw e;
        }
        return usable(key);
    }

    private static ECKey newKey() throws IOException {
        try {
            return new ECKeyGenerator(Curve.P_256)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint(true)
                    .generate();
        } catch (JOSEException e) {
            throw new IOException("generating the signing key failed: " + e.getMessage(), e);
        }
    }

    private static GatewaySigningKey usable(ECKey key) throws IOException {
        try {
            return new GatewaySigningKey(key);
        } catch (JOSEException e) {
            throw new IOException("the generated signing key is unusable: " + e.getMessage(), e);
        }
    }

    /** Writes {@code content} to a new owner-only temporary file beside {@code path}, then moves it into place. */
    private static void writeOwnerOnly(Path path, String content) throws IOException {
        Path target = path.toAbsolutePath();
        Path directory = target.getParent();
        boolean posix = createDirectories(directory);
        Path temporary = directory.resolve("." + target.getFileName() + "." + randomSuffix() + ".tmp");
        Files.createFile(temporary, ownerOnlyFileAttributes(posix));
        try {
            writeAndSync(temporary, content);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * Creates {@code directory} and missing parents, owner-only where POSIX permissions apply. Returns whether they
     * apply.
     */
    private static boolean createDirectories(Path directory) throws IOException {
        boolean posix = supportsPosix(directory);
        if (posix) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
        } else {
            Files.createDirectories(directory);
        }
        return posix;
    }

    private static FileAttribute<?>[] ownerOnlyFileAttributes(boolean posix) {
        return posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE)}
                : new FileAttribute<?>[0];
    }

    private static void writeAndSync(Path file, String content) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
    }

    private static boolean supportsPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static String randomSuffix() {
        byte[] bytes = new byte[8];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Signs {@code claims} with ES256, setting the JOSE header's {@code typ} and {@code kid}. */
    public String sign(JOSEObjectType type, JWTClaimsSet claims) {
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(type).keyID(privateKey.getKeyID()).build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("ES256 signing failed: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    /** Returns the public key set, the only form of the key that leaves this class. */
    public JWKSet publicKeys() {
        return publicKeys;
    }

    public String keyId() {
        return privateKey.getKeyID();
    }

    @Override
    public String toString() {
        return "GatewaySigningKey[kid=" + privateKey.getKeyID() + "]";
    }
}
