package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * Converts Ed25519 keys (RFC 8037) between their raw JWK form and JCA keys of whichever provider comes first for
 * {@code Ed25519}. Nimbus 10.10 converts OKP keys only through Google Tink, which the gateway does not ship.
 */
public final class Ed25519Keys {

    /** Length of an Ed25519 public key, private key seed and of the {@code x} and {@code d} members. */
    static final int KEY_BYTES = 32;
    /** Length of an Ed25519 signature (RFC 8032 §5.1.6). */
    static final int SIGNATURE_BYTES = 64;

    /** DER SubjectPublicKeyInfo prefix for id-Ed25519 (RFC 8410 §4), followed by the 32 key bytes. */
    private static final byte[] PUBLIC_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21,
        0x00};
    /** DER OneAsymmetricKey prefix for id-Ed25519 (RFC 8410 §7), followed by the 32 seed bytes. */
    private static final byte[] PRIVATE_PREFIX = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65,
        0x70, 0x04, 0x22, 0x04, 0x20};

    private Ed25519Keys() {
    }

    /** Generates an Ed25519 signing key with {@code use} {@code sig}, {@code alg} EdDSA and its thumbprint as kid. */
    public static OctetKeyPair generate() throws JOSEException {
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new JOSEException("no JCA provider can generate Ed25519 keys: " + e.getMessage(), e);
        }
        byte[] encodedPrivate = pair.getPrivate().getEncoded();
        if (encodedPrivate == null || encodedPrivate.length != PRIVATE_PREFIX.length + KEY_BYTES) {
            throw new JOSEException("unexpected Ed25519 private key encoding (expected: " + (PRIVATE_PREFIX.length
                    + KEY_BYTES) + " bytes of PKCS #8)");
        }
        byte[] d = Arrays.copyOfRange(encodedPrivate, PRIVATE_PREFIX.length, encodedPrivate.length);
        try {
            return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(rawPublicKey(pair.getPublic())))
                    .d(Base64URL.encode(d))
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.EdDSA)
                    .keyIDFromThumbprint()
                    .build();
        } finally {
            Arrays.fill(d, (byte) 0);
            Arrays.fill(encodedPrivate, (byte) 0);
        }
    }

    /** Returns the JCA public key for an Ed25519 JWK, rejecting other curves and keys that are not 32 bytes. */
    static PublicKey publicKey(OctetKeyPair jwk) throws JOSEException {
        checkCurve(jwk);
        byte[] x = jwk.getDecodedX();
        checkLength("x", x);
        return publicKey(x);
    }

    /** Returns the JCA private key for an Ed25519 JWK with member {@code d}. */
    static PrivateKey privateKey(OctetKeyPair jwk) throws JOSEException {
        checkCurve(jwk);
        if (jwk.getD() == null) {
            throw new JOSEException("Ed25519 JWK has no private member d (expected: a private key)");
        }
        byte[] d = jwk.getDecodedD();
        checkLength("d", d);
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(concat(PRIVATE_PREFIX,
                    d)));
        } catch (GeneralSecurityException e) {
            throw new JOSEException("Ed25519 private key rejected by the JCA provider: " + e.getMessage(), e);
        }
    }

    /**
     * Returns {@code key} as a public key of the current Ed25519 provider, after checking that its X.509 encoding
     * names Ed25519 and contains 32 key bytes. Ed448 and X25519 keys are rejected.
     */
    static PublicKey publicKey(PublicKey key) throws JOSEException {
        byte[] encoded = "X.509".equals(key.getFormat()) ? key.getEncoded() : null;
        boolean ed25519 = encoded != null && encoded.length == PUBLIC_PREFIX.length + KEY_BYTES
                && Arrays.equals(encoded, 0, PUBLIC_PREFIX.length, PUBLIC_PREFIX, 0, PUBLIC_PREFIX.length);
        if (!ed25519) {
            throw new JOSEException("public key algorithm " + key.getAlgorithm() + " rejected (expected: Ed25519)");
        }
        return publicKey(Arrays.copyOfRange(encoded, PUBLIC_PREFIX.length, encoded.length));
    }

    /** Returns the raw 32 bytes of an Ed25519 public key, for the JWK member {@code x}. */
    static byte[] rawPublicKey(PublicKey key) throws JOSEException {
        byte[] encoded = publicKey(key).getEncoded();
        return Arrays.copyOfRange(encoded, PUBLIC_PREFIX.length, encoded.length);
    }

    private static PublicKey publicKey(byte[] x) throws JOSEException {
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(PUBLIC_PREFIX, x)));
        } catch (GeneralSecurityException e) {
            throw new JOSEException("Ed25519 public key rejected by the JCA provider: " + e.getMessage(), e);
        }
    }

    private static void checkCurve(OctetKeyPair jwk) throws JOSEException {
        if (!Curve.Ed25519.equals(jwk.getCurve())) {
            throw new JOSEException("OKP curve " + jwk.getCurve() + " rejected (expected: Ed25519)");
        }
    }

    private static void checkLength(String member, byte[] value) throws JOSEException {
        if (value.length != KEY_BYTES) {
            throw new JOSEException("Ed25519 JWK member " + member + " has " + value.length + " bytes (expected: "
                    + KEY_BYTES + ")");
        }
    }

    private static byte[] concat(byte[] prefix, byte[] value) {
        byte[] result = Arrays.copyOf(prefix, prefix.length + value.length);
        System.arraycopy(value, 0, result, prefix.length, value.length);
        return result;
    }
}
