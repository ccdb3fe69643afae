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
 * Converts Ed25519 keys between OKP JWKs (RFC 8037) and the JDK's own "Ed25519" keys, so the gateway signs and
 * verifies EdDSA with the JCA alone. Nimbus's OKP conversions and its Ed25519 signer need Google Tink.
 */
public final class GatewayEd25519Keys {

    static final String JCA_ALGORITHM = "Ed25519";
    private static final int KEY_BYTES = 32;
    /** DER SubjectPublicKeyInfo header for an Ed25519 key (RFC 8410 section 4), followed by the 32-byte key. */
    private static final byte[] PUBLIC_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21,
        0x00};
    /** DER PKCS #8 header for an Ed25519 private key (RFC 8410 section 7), followed by the 32-byte seed. */
    private static final byte[] PRIVATE_PREFIX = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65,
        0x70, 0x04, 0x22, 0x04, 0x20};

    private GatewayEd25519Keys() {
    }

    /** Generates an Ed25519 signing key with {@code use} {@code sig}, {@code alg} EdDSA and its thumbprint as kid. */
    public static OctetKeyPair generate() throws JOSEException {
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance(JCA_ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new JOSEException("this JDK cannot generate Ed25519 keys: " + e.getMessage(), e);
        }
        byte[] x = lastBytes(pair.getPublic().getEncoded(), PUBLIC_PREFIX.length);
        byte[] d = lastBytes(pair.getPrivate().getEncoded(), PRIVATE_PREFIX.length);
        try {
            return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x))
                    .d(Base64URL.encode(d))
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.EdDSA)
                    .keyIDFromThumbprint()
                    .build();
        } finally {
            Arrays.fill(d, (byte) 0);
        }
    }

    /** Returns {@code jwk}'s public key as a JCA key, or throws when it is not an Ed25519 key. */
    public static PublicKey publicKey(OctetKeyPair jwk) throws JOSEException {
        checkCurve(jwk);
        byte[] encoded = concat(PUBLIC_PREFIX, jwk.getX().decode());
        try {
            return KeyFactory.getInstance(JCA_ALGORITHM).generatePublic(new X509EncodedKeySpec(encoded));
        } catch (GeneralSecurityException e) {
            throw new JOSEException("invalid Ed25519 public key: " + e.getMessage(), e);
        }
    }

    /** Returns {@code jwk}'s private key as a JCA key, or throws when it has none or is not an Ed25519 key. */
    static PrivateKey privateKey(OctetKeyPair jwk) throws JOSEException {
        checkCurve(jwk);
        if (jwk.getD() == null) {
            throw new JOSEException("the Ed25519 key has no private part (expected: member d)");
        }
        byte[] encoded = concat(PRIVATE_PREFIX, jwk.getD().decode());
        try {
            return KeyFactory.getInstance(JCA_ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(encoded));
        } catch (GeneralSecurityException e) {
            throw new JOSEException("invalid Ed25519 private key", e);
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    private static void checkCurve(OctetKeyPair jwk) throws JOSEException {
        if (!Curve.Ed25519.equals(jwk.getCurve())) {
            throw new JOSEException("OKP key on curve " + jwk.getCurve() + " (expected: Ed25519)");
        }
        if (jwk.getX().decode().length != KEY_BYTES) {
            throw new JOSEException("Ed25519 public key of " + jwk.getX().decode().length + " bytes (expected: 32)");
        }
    }

    private static byte[] lastBytes(byte[] encoded, int prefixLength) throws JOSEException {
        if (encoded.length != prefixLength + KEY_BYTES) {
            throw new JOSEException("unexpected Ed25519 key encoding of " + encoded.length + " bytes");
        }
        return Arrays.copyOfRange(encoded, prefixLength, encoded.length);
    }

    private static byte[] concat(byte[] prefix, byte[] key) {
        byte[] result = Arrays.copyOf(prefix, prefix.length + key.length);
        System.arraycopy(key, 0, result, prefix.length, key.length);
        return result;
    }
}
