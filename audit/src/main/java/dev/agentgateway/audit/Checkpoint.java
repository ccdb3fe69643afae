package dev.agentgateway.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentgateway.audit.internal.AuditJwk;
import dev.agentgateway.audit.internal.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Signed tree head of the audit log: the RFC 9162 Merkle root of the first {@code size} records, the time it was
 * taken, the hash of the checkpoint line before it and the audit key's signature over all three.
 *
 * <p>A checkpoint is one line of {@code checkpoints.log}, the canonical JSON (RFC 8785) object
 * {@code {"alg":…,"kid":…,"prev":…,"root":…,"sig":…,"size":…,"time":…}}. The signature covers the UTF-8 bytes of
 * the same object without {@code sig}. {@code prev} and {@code root} are lowercase hex, {@code sig} base64url
 * without padding and {@code time} RFC 3339 in UTC with exactly three fraction digits. {@code prev} chains the
 * checkpoints: it is the SHA-256 of the previous line of the file (without its newline), or 32 zero bytes in the
 * first line. A line removed from the file or moved within it thus breaks the chain at the line after it.
 *
 * @param algorithm signature algorithm: {@code EdDSA} or {@code ES256}
 * @param keyId RFC 7638 thumbprint of the signing key
 * @param previous SHA-256 of the checkpoint line before this one, or 32 zero bytes in the first line
 * @param root Merkle tree head of the first {@code size} records, 32 bytes
 * @param size number of records covered, at least 1
 * @param time time the checkpoint was signed, in whole milliseconds
 * @param signature signature over {@link #signedBytes()}, 64 bytes
 */
public record Checkpoint(String algorithm, String keyId, byte[] previous, byte[] root, long size, Instant time,
        byte[] signature) {

    private static final byte[] NO_PREVIOUS = new byte[MerkleTree.HASH_BYTES];

    private static final List<String> MEMBERS = List.of("alg", "kid", "prev", "root", "sig", "size", "time");
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern HEX_HASH = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    private static final DateTimeFormatter TIME_FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    public Checkpoint {
        AuditJwk.requireAlgorithm(algorithm);
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(signature, "signature");
        if (!KEY_ID.matcher(keyId).matches()) {
            throw new IllegalArgumentException("checkpoint kid rejected: \"" + CanonicalObject.printable(keyId)
                    + "\" (expected: a base64url SHA-256 thumbprint, 43 characters)");
        }
        if (previous.length != MerkleTree.HASH_BYTES) {
            throw new IllegalArgumentException("checkpoint prev is " + previous.length
                    + " bytes long (expected: 32)");
        }
        if (root.length != MerkleTree.HASH_BYTES) {
            throw new IllegalArgumentException("checkpoint root is " + root.length + " bytes long (expected: 32)");
        }
        if (size < 1 || size > CanonicalObject.MAX_SAFE_INTEGER) {
            throw new IllegalArgumentException("checkpoint size rejected: " + size + " (expected: 1 to "
                    + CanonicalObject.MAX_SAFE_INTEGER + ")");
        }
        if (time.getNano() % 1_000_000 != 0 || time.getEpochSecond() < 0 || time.getEpochSecond() > 253402300799L) {
            throw new IllegalArgumentException("checkpoint time rejected: " + time
                    + " (expected: whole milliseconds from 1970 to 9999)");
        }
        if (signature.length != AuditJwk.SIGNATURE_BYTES) {
            throw new IllegalArgumentException("checkpoint signature is " + signature.length
                    + " bytes long (expected: 64)");
        }
        previous = previous.clone();
        root = root.clone();
        signature = signature.clone();
    }

    /** Returns the {@code prev} of the first checkpoint line: 32 zero bytes. */
    public static byte[] firstPrevious() {
        return NO_PREVIOUS.clone();
    }

    /** Returns the SHA-256 of {@code line}, a checkpoint line without its newline: the next line's {@code prev}. */
    public static byte[] lineHash(byte[] line) {
        return RecordCodec.newSha256().digest(line);
    }


    /**
     * Signs the tree head of {@code size} records with {@code key}. {@code time} is truncated to milliseconds, the
     * precision of the line format.
     *
     * @param previous {@link #lineHash} of the checkpoint line this one follows, or {@link #firstPrevious()}
     */
    public static Checkpoint sign(AuditSigningKey key, long size, byte[] root, Instant time, byte[] previous) {
        Objects.requireNonNull(key, "key");
        Instant millis = time.truncatedTo(ChronoUnit.MILLIS);
        byte[] unsigned = unsignedObject(key.algorithm(), key.keyId(), previous, root, size, millis)
                .toString().getBytes(StandardCharsets.UTF_8);
        return new Checkpoint(key.algorithm(), key.keyId(), previous, root, size, millis, key.sign(unsigned));
    }

    /** Returns the signed bytes: the UTF-8 canonical JSON of the checkpoint without {@code sig}. */
    public byte[] signedBytes() {
        return unsignedObject(algorithm, keyId, previous, root, size, time).toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    private static CanonicalObject unsignedObject(String algorithm, String keyId, byte[] previous, byte[] root,
            long size, Instant time) {
        return new CanonicalObject()
                .put("alg", algorithm)
                .put("kid", keyId)
                .put("prev", HEX.formatHex(previous))
                .put("root", HEX.formatHex(root))
                .put("size", size)
                .put("time", TIME_FORMAT.format(time));
    }

    /** Returns the checkpoint's line in {@code checkpoints.log}, without the newline. */
    public String toLine() {
        return unsignedObject(algorithm, keyId, previous, root, size, time)
                .put("sig", BASE64URL.encodeToString(signature))
                .toString();
    }

    /**
     * Parses one line of {@code checkpoints.log} (without its newline). Only the exact canonical form is
     * accepted: the seven members, no others, no duplicates, in RFC 8785 order and encoding.
     *
     * @throws IllegalArgumentException when the line is not a checkpoint in canonical form; the message says what
     *     is wrong
     */
    public static Checkpoint parse(String line) {
        Objects.requireNonNull(line, "line");
        ObjectNode object = CanonicalObject.parse(line, "checkpoint");
        CanonicalObject.requireMembers(object, MEMBERS, "checkpoint");
        String algorithm = CanonicalObject.text(object, "alg", "checkpoint");
        String keyId = CanonicalObject.text(object, "kid", "checkpoint");
        String previous = CanonicalObject.text(object, "prev", "checkpoint");
        String root = CanonicalObject.text(object, "root", "checkpoint");
        String sig = CanonicalObject.text(object, "sig", "checkpoint");
        long size = CanonicalObject.integer(object, "size", "checkpoint");
        String time = CanonicalObject.text(object, "time", "checkpoint");
        Checkpoint checkpoint = new Checkpoint(algorithm, keyId, parseHash("prev", previous), parseHash("root", root),
                size, parseTime(time), decodeSignature(sig));
        if (!checkpoint.toLine().equals(line)) {
            throw new IllegalArgumentException("checkpoint rejected: not in canonical form (expected: "
                    + checkpoint.toLine() + ")");
        }
        return checkpoint;
    }

    private static byte[] parseHash(String member, String text) {
        if (!HEX_HASH.matcher(text).matches()) {
            throw new IllegalArgumentException("checkpoint " + member + " rejected: \""
                    + CanonicalObject.printable(text) + "\" (expected: 64 lowercase hex digits)");
        }
        return HEX.parseHex(text);
    }

    private static Instant parseTime(String text) {
        if (!TIME.matcher(text).matches()) {
            throw new IllegalArgumentException("checkpoint time rejected: \"" + CanonicalObject.printable(text)
                    + "\" (expected: RFC 3339 UTC with three fraction digits, e.g. 2026-12-04T20:30:00.123Z)");
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("checkpoint time rejected: \"" + text + "\" (" + e.getMessage() + ")",
                    e);
        }
    }

    private static byte[] decodeSignature(String text) {
        if (!text.matches("[A-Za-z0-9_-]*")) {
            throw new IllegalArgumentException("checkpoint sig rejected: not base64url without padding");
        }
        try {
            return Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("checkpoint sig rejected: not base64url without padding", e);
        }
    }

    /** Checks the signature with {@code key}; false when the algorithm or key id differ or it does not verify. */
    public boolean verify(AuditPublicKey key) {
        return key.algorithm().equals(algorithm) && key.keyId().equals(keyId)
                && key.verify(signedBytes(), signature);
    }

    @Override
    public byte[] previous() {
        return previous.clone();
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** Returns the root as 64 lowercase hex digits. */
    public String rootHex() {
        return HEX.formatHex(root);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Checkpoint c && c.algorithm.equals(algorithm) && c.keyId.equals(keyId)
                && MessageDigest.isEqual(c.previous, previous) && MessageDigest.isEqual(c.root, root) && c.size == size && c.time.equals(time)
                && Arrays.equals(c.signature, signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(algorithm, keyId, Arrays.hashCode(previous), Arrays.hashCode(root), size, time, Arrays.hashCode(signature));
    }

    @Override
    public String toString() {
        return "Checkpoint[size=" + size + ", root=" + rootHex() + ", time=" + TIME_FORMAT.format(time) + ", alg="
                + algorithm + ", kid=" + keyId + "]";
    }
}
