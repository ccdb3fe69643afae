package dev.agentgateway.audit;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import dev.agentgateway.audit.internal.AuditJwk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.text.ParseException;
import java.util.Objects;

/**
 * Public half of an audit key, which verifies checkpoint signatures. Immutable and thread-safe.
 *
 * <p>Its key id is the RFC 7638 thumbprint (base64url SHA-256) of the public JWK, the {@code kid} that
 * checkpoints name.
 */
public final class AuditPublicKey {

    private final String algorithm;
    private final String keyId;
    private final JWK jwk;
    private final PublicKey publicKey;

    private AuditPublicKey(String algorithm, String keyId, JWK jwk, PublicKey publicKey) {
        this.algorithm = algorithm;
        this.keyId = keyId;
        this.jwk = jwk;
        this.publicKey = publicKey;
    }

    /**
     * Reads a JWK file: a public key, or a private key of which only the public part is kept.
     *
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException when it does not hold an audit key; the message names the file
     */
    public static AuditPublicKey read(Path jwkFile) throws IOException {
        String text = Files.readString(jwkFile, StandardCharsets.UTF_8);
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(jwkFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a single JWK (an object, not a key set) with {@code kty} {@code OKP} and {@code crv} {@code Ed25519},
     * or {@code kty} {@code EC} and {@code crv} {@code P-256}. A private key is accepted and its private part
     * dropped. A {@code kid}, when present, must equal the key's thumbprint.
     *
     * @throws IllegalArgumentException when the text is not such a JWK
     */
    public static AuditPublicKey parse(String jwkJson) {
        Objects.requireNonNull(jwkJson, "jwkJson");
        JWK parsed;
        try {
            parsed = JWK.parse(jwkJson);
        } catch (ParseException e) {
            // Nimbus messages describe the structure, never the key material.
            throw new IllegalArgumentException("audit key rejected: not a JWK (" + e.getMessage() + ")", e);
        }
        return fromJwk(parsed);
    }

    /** Returns the public key of a checked audit JWK, public or private. */
    static AuditPublicKey fromJwk(JWK parsed) {
        String algorithm = AuditJwk.algorithmOf(parsed);
        JWK publicJwk = parsed.toPublicJWK();
        String thumbprint = thumbprint(publicJwk);
        if (parsed.getKeyID() != null && !parsed.getKeyID().equals(thumbprint)) {
            throw new IllegalArgumentException("audit key rejected: kid \""
                    + CanonicalObject.printable(parsed.getKeyID()) + "\" (expected: the RFC 7638 thumbprint \""
                    + thumbprint + "\")");
        }
        return new AuditPublicKey(algorithm, thumbprint, publicJwk, AuditJwk.publicKey(publicJwk));
    }

    private static String thumbprint(JWK publicJwk) {
        try {
            return publicJwk.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("SHA-256 thumbprint of the audit key failed: " + e.getMessage(), e);
        }
    }

    /** Returns the signature algorithm: {@code EdDSA} or {@code ES256}. */
    public String algorithm() {
        return algorithm;
    }

    /** Returns the RFC 7638 thumbprint of the key, base64url encoded. */
    public String keyId() {
        return keyId;
    }

    /**
     * Checks a 64-byte signature over {@code data}: Ed25519 for {@code EdDSA}, ECDSA P-256 with SHA-256 in the
     * R || S form for {@code ES256}. Returns false for a signature of any other length.
     */
    public boolean verify(byte[] data, byte[] signature) {
        return AuditJwk.verify(algorithm, publicKey, data, signature);
    }

    /**
     * Returns the public JWK as canonical JSON (RFC 8785), with {@code alg} and {@code kid}:
     * {@code {"alg","crv","kid","kty","x"}} for Ed25519 and the same plus {@code "y"} for P-256.
     */
    public String toJson() {
        CanonicalObject object = new CanonicalObject()
                .put("alg", algorithm)
                .put("kid", keyId)
                .put("kty", jwk.getKeyType().getValue());
        if (jwk instanceof ECKey ec) {
            object.put("crv", ec.getCurve().getName())
                    .put("x", ec.getX().toString())
                    .put("y", ec.getY().toString());
        } else {
            OctetKeyPair okp = (OctetKeyPair) jwk;
            object.put("crv", okp.getCurve().getName())
                    .put("x", okp.getX().toString());
        }
        return object.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AuditPublicKey key && key.keyId.equals(keyId) && key.algorithm.equals(algorithm);
    }

    @Override
    public int hashCode() {
        return keyId.hashCode();
    }

    @Override
    public String toString() {
        return "AuditPublicKey[alg=" + algorithm + ", kid=" + keyId + "]";
    }
}
