package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.token.internal.SigningKeyFile.RetiredKey;
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
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's signing keys, kept in one JWK set file with owner-only permissions. The first key signs capability
 * tokens and Txn-Tokens (ES256 on P-256 or EdDSA on Ed25519). Keys retired by rotation stay published and accepted
 * until every token they signed has expired. The file is checked for changes at most once per second when a token
 * is signed or the keys are read, so a rotation by {@code agent-gateway keys rotate} reaches a running gateway,
 * and every replica sharing the file, without a restart. Only public keys leave this class. Thread-safe.
 */
public final class GatewaySigningKey {

    /** Algorithm names accepted for new keys. */
    public static final List<String> ALGORITHMS = List.of("ES256", "EdDSA");
    /** Maximum retention any configuration allows, after which rotation drops a retired key from the file. */
    static final Duration MAX_RETENTION = retention(TokenConfig.MAX_CAPABILITY_LIFETIME,
            TokenConfig.MAX_CAPABILITY_LIFETIME, TokenConfig.MAX_CLOCK_SKEW);

    private static final Logger LOG = LoggerFactory.getLogger(GatewaySigningKey.class);
    private static final long MAX_FILE_BYTES = 64 * 1024;
    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final Path path;
    private final Duration retention;
    private final Clock clock;
    private final Object reloadLock = new Object();
    private volatile KeyRing ring;
    private volatile Instant nextCheck;
    private volatile Published published;
    /** Version of the file last rejected, so a bad file is logged once rather than on every check. */
    private FileVersion rejectedVersion;

    private GatewaySigningKey(Path path, KeyRing ring, Duration retention, Clock clock) {
        this.path = path;
        this.ring = ring;
        this.retention = retention;
        this.clock = clock;
        this.nextCheck = clock.instant().plus(CHECK_INTERVAL);
    }

    /** Keys read from one version of the file, with the signer of the active key. */
    private record KeyRing(FileVersion version, SigningKeyFile keys, JWSSigner signer, JWSAlgorithm algorithm) {
    }

    /**
     * Returns how long a retired key stays published and accepted: the longest lifetime of a token it may have
     * signed plus the allowed clock skew.
     */
    public static Duration retention(TokenConfig tokens) {
        return retention(tokens.capabilityLifetime(), tokens.txnTokenLifetime(), tokens.clockSkew());
    }

    private static Duration retention(Duration capabilityLifetime, Duration txnTokenLifetime, Duration clockSkew) {
        Duration longest = capabilityLifetime.compareTo(txnTokenLifetime) >= 0 ? capabilityLifetime
                : txnTokenLifetime;
        return longest.plus(clockSkew);
    }

    /** Loads an ES256 key file or generates one, with the maximum retention and the system clock, for tests. */
    public static GatewaySigningKey loadOrGenerate(Path path) throws IOException {
        return loadOrGenerate(path, "ES256", MAX_RETENTION, Clock.systemUTC());
    }

    /**
     * Loads the key file at {@code path}, or generates a key of {@code algorithm} and writes it there when the file
     * does not exist.
     *
     * @param algorithm {@code ES256} or {@code EdDSA}, used only when a key is generated
     * @param retention how long a retired key stays published and accepted after its retirement
     * @param clock clock for retirement deadlines and for pacing the checks for a changed file
     * @throws IOException when the file cannot be read or written, is accessible by group or others, or does not
     *     hold a private ES256 or Ed25519 key first
     */
    public static GatewaySigningKey loadOrGenerate(Path path, String algorithm, Duration retention, Clock clock)
            throws IOException {
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(clock, "clock");
        if (Files.exists(path)) {
            GatewaySigningKey key = new GatewaySigningKey(path, load(path), retention, clock);
            LOG.info("Loaded signing key {} from {}", key.keyId(), path);
            return key;
        }
        JWK generated = newKey(algorithm);
        writeOwnerOnly(path, new SigningKeyFile(generated, List.of()).toJson());
        LOG.info("Generated {} signing key {} at {}", algorithm, generated.getKeyID(), path);
        return new GatewaySigningKey(path, load(path), retention, clock);
    }

    private static KeyRing load(Path path) throws IOException {
        checkOwnerOnly(path);
        FileVersion version = FileVersion.of(path);
        if (version.size() > MAX_FILE_BYTES) {
            throw new IOException("signing key file " + path + " is larger than " + MAX_FILE_BYTES
                    + " bytes (expected: a JWK set of a few keys)");
        }
        SigningKeyFile keys = SigningKeyFile.parse(Files.readString(path, StandardCharsets.UTF_8), path);
        return ring(version, keys, path);
    }

    private static KeyRing ring(FileVersion version, SigningKeyFile keys, Path path) throws IOException {
        JWK active = keys.active();
        try {
            JWSSigner signer = active instanceof OctetKeyPair okp ? new Ed25519JcaSigner(okp)
                    : new ECDSASigner((ECKey) active);
            return new KeyRing(version, keys, signer, SigningKeyFile.algorithmOf(active));
        } catch (JOSEException e) {
            throw new IOException("signing key file " + path + " contains an unusable key: " + e.getMessage(), e);
        }
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

    /**
     * Generates a key and writes it to a new file at {@code path} with owner-only permissions, never replacing an
     * existing file. Creating the file and checking that none exists is one atomic step ({@code O_EXCL}). When
     * writing fails after the file was created, the partial file is deleted.
     *
     * @param algorithm {@code ES256} or {@code EdDSA}
     * @return the new key's {@code kid}
     * @throws FileAlreadyExistsException when {@code path} exists; the existing file is left unchanged
     * @throws IOException when the file or its directory cannot be created or written
     */
    public static String createNew(Path path, String algorithm) throws IOException {
        JWK key = newKey(algorithm);
        Path target = path.toAbsolutePath();
        boolean posix = createDirectories(target.getParent());
        try {
            Files.createFile(target, ownerOnlyFileAttributes(posix));
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(path.toString(), null,
                    "a file already exists at this path (expected: a new file; the existing file was left unchanged)");
        }
        try {
            writeAndSync(target, new SigningKeyFile(key, List.of()).toJson());
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target);
            throw e;
        }
        return key.getKeyID();
    }

    /**
     * The outcome of a rotation.
     *
     * @param newKeyId {@code kid} of the key that now signs
     * @param retiredKeyId {@code kid} of the key that signed before
     * @param retiredAt when the previous key stopped signing
     */
    public record Rotation(String newKeyId, String retiredKeyId, Instant retiredAt) {
    }

    /**
     * Generates a key of {@code algorithm}, puts it first in the key file at {@code path}, and keeps the previous
     * key as retired at {@code clock}'s current instant. Retired keys older than the maximum retention any
     * configuration allows are dropped. The file is replaced atomically (a new owner-only file moved into place).
     *
     * @throws NoSuchFileException when there is no key file to rotate
     * @throws IOException when the file cannot be read, is not a valid key file, or cannot be written
     */
    public static Rotation rotate(Path path, String algorithm, Clock clock) throws IOException {
        // NOTE: the file is not locked. When two rotations of the same file overlap, both read the old file and the
        // last move wins, so the other rotation's new key is lost, and so are tokens a gateway signed with it.
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no signing key file to rotate (expected: a key "
                    + "file written by keys generate or by the gateway's first start)");
        }
        SigningKeyFile current = load(path).keys();
        Instant now = clock.instant();
        List<RetiredKey> retired = new ArrayList<>();
        retired.add(new RetiredKey(current.active().toPublicJWK(), now));
        for (RetiredKey key : current.retired()) {
            if (key.retiredAt().plus(MAX_RETENTION).isAfter(now)) {
                retired.add(key);
            }
        }
        JWK newKey = newKey(algorithm);
        writeOwnerOnly(path, new SigningKeyFile(newKey, retired).toJson());
        LOG.info("Rotated signing key file {}: key {} signs, key {} retired", path, newKey.getKeyID(),
                current.active().getKeyID());
        return new Rotation(newKey.getKeyID(), current.active().getKeyID(), now);
    }

    private static JWK newKey(String algorithm) throws IOException {
        Objects.requireNonNull(algorithm, "algorithm");
        try {
            return switch (algorithm) {
                case "ES256" -> new ECKeyGenerator(Curve.P_256)
                        .keyUse(KeyUse.SIGNATURE)
                        .algorithm(JWSAlgorithm.ES256)
                        .keyIDFromThumbprint(true)
                        .generate();
                case "EdDSA" -> Ed25519Keys.generate();
                default -> throw new IllegalArgumentException("signing key algorithm " + Quoting.quote(algorithm)
                        + " (expected: one of " + String.join(", ", ALGORITHMS) + ")");
            };
        } catch (JOSEException e) {
            throw new IOException("generating the " + algorithm + " signing key failed: " + e.getMessage(), e);
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

    /** Signs {@code claims} with the active key, setting the JOSE header's {@code alg}, {@code typ} and {@code kid}. */
    public String sign(JOSEObjectType type, JWTClaimsSet claims) {
        KeyRing current = current();
        JWSHeader header = new JWSHeader.Builder(current.algorithm())
                .type(type)
                .keyID(current.keys().active().getKeyID())
                .build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(current.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException(current.algorithm() + " signing failed: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    /**
     * Returns the published key set: the active key's public half, then each retired key until its retirement
     * time plus the retention has passed. This is the only form of the keys that leaves this class.
     */
    public JWKSet publicKeys() {
        KeyRing current = current();
        Instant now = clock.instant();
        Published cached = published;
        if (cached != null && cached.ring() == current && now.isBefore(cached.validUntil())) {
            return cached.keys();
        }
        Published next = publish(current, now);
        published = next;
        return next.keys();
    }

    /** A published key set, valid for {@code ring} until the next retired key in it reaches its deadline. */
    private record Published(KeyRing ring, JWKSet keys, Instant validUntil) {
    }

    private Published publish(KeyRing current, Instant now) {
        List<JWK> keys = new ArrayList<>();
        keys.add(current.keys().active().toPublicJWK());
        Instant validUntil = Instant.MAX;
        for (RetiredKey key : current.keys().retired()) {
            Instant deadline = key.retiredAt().plus(retention);
            if (now.isBefore(deadline)) {
                keys.add(key.publicKey());
                validUntil = deadline.isBefore(validUntil) ? deadline : validUntil;
            }
        }
        return new Published(current, new JWKSet(keys), validUntil);
    }

    /** Returns the {@code kid} of the key that currently signs. */
    public String keyId() {
        return current().keys().active().getKeyID();
    }

    /** Returns the keys of the file, reading it again first when it changed and at least a second has passed. */
    private KeyRing current() {
        Instant now = clock.instant();
        if (now.isBefore(nextCheck)) {
            return ring;
        }
        synchronized (reloadLock) {
            if (!now.isBefore(nextCheck)) {
                nextCheck = now.plus(CHECK_INTERVAL);
                reloadIfChanged();
            }
            return ring;
        }
    }

    private void reloadIfChanged() {
        FileVersion version = FileVersion.ofOrUnreadable(path);
        if (version.equals(ring.version()) || version.equals(rejectedVersion)) {
            return;
        }
        try {
            KeyRing loaded = load(path);
            String previous = ring.keys().active().getKeyID();
            ring = loaded;
            rejectedVersion = null;
            LOG.info("Signing key file {} changed: key {} signs (previously {}), {} retired key(s)", path,
                    loaded.keys().active().getKeyID(), previous, loaded.keys().retired().size());
        } catch (IOException | RuntimeException e) {
            rejectedVersion = version;
            LOG.error("Signing key file {} changed but was not loaded, so key {} keeps signing: {}", path,
                    ring.keys().active().getKeyID(), e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "GatewaySigningKey[kid=" + ring.keys().active().getKeyID() + "]";
    }
}
