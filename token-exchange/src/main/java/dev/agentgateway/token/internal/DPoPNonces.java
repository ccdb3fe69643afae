package dev.agentgateway.token.internal;

import dev.agentgateway.config.NonceConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Issues and checks stateless DPoP server nonces (RFC 9449 §8 and §9). A nonce is the base64url encoding of a time
 * slot number followed by a truncated HMAC-SHA256 over a domain-separation label and that slot:
 *
 * <pre>nonce = base64url( slot (8 bytes, big-endian) || HMAC-SHA256(secret, LABEL || slot)[0..16) )</pre>
 *
 * <p>The slot is {@code floor(now / lifetime)} on the injected clock. A nonce is accepted in its own slot and in
 * the next one, so it lives between one and two lifetimes. New nonces are signed with the first secret and every
 * secret verifies, so replicas that share the secrets accept each other's nonces without shared state, and a
 * secret is rotated by putting the new one first. Thread-safe.
 */
public final class DPoPNonces {

    /** Length of the truncated MAC in bytes: 128 bits. */
    static final int MAC_LENGTH = 16;
    /** Length of an encoded nonce in characters: 24 bytes in unpadded base64url. */
    static final int NONCE_LENGTH = 32;
    /** Length of the random secret used when the configuration names none. */
    static final int RANDOM_SECRET_LENGTH = 32;

    private static final byte[] LABEL = "agent-gateway DPoP nonce v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final String MAC_ALGORITHM = "HmacSHA256";

    private final List<SecretKeySpec> keys;
    private final long lifetimeMillis;
    private final Clock clock;
    /** The nonce of the most recent slot, so issuing costs one MAC per slot rather than one per response. */
    private final AtomicReference<IssuedNonce> latest = new AtomicReference<>();

    /**
     * @param secrets MAC secrets; the first signs and all verify. Must not be empty.
     * @param lifetime length of one slot, at least one millisecond
     * @param clock time source of the slot number
     */
    public DPoPNonces(List<byte[]> secrets, Duration lifetime, Clock clock) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("secrets: empty (expected: at least one MAC secret)");
        }
        this.keys = new ArrayList<>(secrets.size());
        for (byte[] secret : secrets) {
            keys.add(new SecretKeySpec(secret, MAC_ALGORITHM));
        }
        this.lifetimeMillis = Objects.requireNonNull(lifetime, "lifetime").toMillis();
        if (lifetimeMillis < 1) {
            throw new IllegalArgumentException("lifetime: " + lifetime + " (expected: at least 1ms)");
        }
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Creates the nonces of {@code config}: its secrets as UTF-8, or this process's random secret when it names
     * none.
     */
    public static DPoPNonces create(NonceConfig config, Clock clock) {
        List<byte[]> secrets = new ArrayList<>();
        config.secrets().forEach(secret -> secrets.add(secret.getBytes(StandardCharsets.UTF_8)));
        if (secrets.isEmpty()) {
            secrets.add(ProcessSecret.VALUE.clone());
        }
        return new DPoPNonces(secrets, config.lifetime(), clock);
    }

    /** The random secret shared by every component of this process that has no configured secret. */
    private static final class ProcessSecret {
        static final byte[] VALUE = randomSecret();

        private static byte[] randomSecret() {
            byte[] secret = new byte[RANDOM_SECRET_LENGTH];
            new SecureRandom().nextBytes(secret);
            return secret;
        }
    }

    /** The outcome of checking a nonce a client sent. */
    public enum Verdict {
        /** Issued in the current slot under one of the secrets. */
        CURRENT,
        /** Issued in the previous slot: still accepted, but the client should switch to a fresh nonce. */
        PREVIOUS,
        /**
         * Issued under one of the secrets for a slot other than the current or previous one: older, or ahead of
         * this replica's clock.
         */
        STALE,
        /** Not a nonce this gateway issued: wrong length or alphabet, or a MAC no secret produces. */
        INVALID;

        /** Returns whether a proof carrying a nonce with this verdict may be accepted. */
        public boolean accepted() {
            return this == CURRENT || this == PREVIOUS;
        }
    }

    /** Returns the nonce of the current slot, signed with the first secret. */
    public String current() {
        long slot = currentSlot();
        IssuedNonce issued = latest.get();
        if (issued == null || issued.slot() != slot) {
            issued = new IssuedNonce(slot, encode(slot, mac(keys.get(0), slot)));
            latest.set(issued);
        }
        return issued.value();
    }

    private record IssuedNonce(long slot, String value) {
    }

    /**
     * Checks {@code nonce} against the clock and every secret. Any string is accepted as input, so malformed or
     * oversized values yield {@link Verdict#INVALID} rather than an exception.
     */
    public Verdict check(String nonce) {
        byte[] decoded = decode(nonce);
        if (decoded == null) {
            return Verdict.INVALID;
        }
        ByteBuffer buffer = ByteBuffer.wrap(decoded);
        long slot = buffer.getLong();
        byte[] mac = new byte[MAC_LENGTH];
        buffer.get(mac);
        if (!verifies(slot, mac)) {
            return Verdict.INVALID;
        }
        long current = currentSlot();
        if (slot == current) {
            return Verdict.CURRENT;
        }
        return slot == current - 1 ? Verdict.PREVIOUS : Verdict.STALE;
    }

    /** Compares in constant time under every secret, so the time taken does not reveal which secret matched. */
    private boolean verifies(long slot, byte[] mac) {
        boolean matched = false;
        for (SecretKeySpec key : keys) {
            matched |= MessageDigest.isEqual(mac(key, slot), mac);
        }
        return matched;
    }

    private long currentSlot() {
        return Math.floorDiv(clock.millis(), lifetimeMillis);
    }

    private static byte[] mac(SecretKeySpec key, long slot) {
        try {
            Mac mac = Mac.getInstance(MAC_ALGORITHM);
            mac.init(key);
            mac.update(LABEL);
            mac.update(ByteBuffer.allocate(Long.BYTES).putLong(slot).array());
            byte[] full = mac.doFinal();
            byte[] truncated = new byte[MAC_LENGTH];
            System.arraycopy(full, 0, truncated, 0, MAC_LENGTH);
            return truncated;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(MAC_ALGORITHM + " is not available", e);
        }
    }

    private static String encode(long slot, byte[] mac) {
        byte[] raw = ByteBuffer.allocate(Long.BYTES + MAC_LENGTH).putLong(slot).put(mac).array();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** Returns the 24 bytes of a well-formed nonce, or {@code null} for any other input. */
    private static byte[] decode(String nonce) {
        if (nonce == null || nonce.length() != NONCE_LENGTH) {
            return null;
        }
        for (int i = 0; i < nonce.length(); i++) {
            if (!isBase64Url(nonce.charAt(i))) {
                return null;
            }
        }
        // 32 base64url characters carry exactly 24 bytes, so every such string decodes and has one encoding.
        return Base64.getUrlDecoder().decode(nonce);
    }

    private static boolean isBase64Url(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }
}
