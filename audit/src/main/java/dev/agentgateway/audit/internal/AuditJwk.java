package dev.agentgateway.audit.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * Conversions between audit key JWKs (Nimbus) and JCA keys, and the JCA signatures for the two audit key
 * algorithms: {@code EdDSA} over Ed25519 (RFC 8037) and {@code ES256} over P-256 with the 64-byte R || S
 * signature form of JWS (RFC 7518 §3.4).
 */
public final class AuditJwk {

    /** JWS name of Ed25519 signatures. */
    public static final String EDDSA = "EdDSA";
    /** JWS name of ECDSA P-256 SHA-256 signatures. */
    public static final String ES256 = "ES256";
    /** Signature length of both algorithms, in bytes. */
    public static final int SIGNATURE_BYTES = 64;

    private static final int ED25519_KEY_BYTES = 32;
    private static final byte[] ED25519_SPKI_PREFIX = {
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    private static final byte[] ED25519_PKCS8_PREFIX = {
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};

    private AuditJwk() {
    }

    /**
     * Generates a private JWK for {@code algorithm} with {@code alg} set and {@code kid} = its RFC 7638
     * thumbprint.
     *
     * @throws IllegalArgumentException when {@code algorithm} is neither {@code EdDSA} nor {@code ES256}
     */
    public static JWK generate(String algorithm) {
        try {
            return switch (requireAlgorithm(algorithm)) {
                case EDDSA -> generateEd25519();
                default -> generateP256();
            };
        } catch (GeneralSecurityException | JOSEException e) {
            throw new IllegalStateException("generating an " + algorithm + " audit key failed: " + e.getMessage(), e);
        }
    }

    private static JWK generateEd25519() throws GeneralSecurityException, JOSEException {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] x = rawKey(pair.getPublic().getEncoded(), ED25519_SPKI_PREFIX, "public");
        byte[] d = rawPrivateEd25519(pair.getPrivate().getEncoded());
        OctetKeyPair key = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x))
                .d(Base64URL.encode(d))
                .build();
        return new OctetKeyPair.Builder(key).algorithm(com.nimbusds.jose.JWSAlgorithm.EdDSA)
                .keyIDFromThumbprint()
                .build();
    }

    private static JWK generateP256() throws GeneralSecurityException, JOSEException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        return new ECKey.Builder(Curve.P_256, (ECPublicKey) pair.getPublic())
                .privateKey((ECPrivateKey) pair.getPrivate())
                .algorithm(com.nimbusds.jose.JWSAlgorithm.ES256)
                .keyIDFromThumbprint()
                .build();
    }

    /**
     * Returns the audit algorithm of {@code jwk}: {@code EdDSA} for an OKP key on Ed25519, {@code ES256} for an EC
     * key on P-256. An {@code alg} member, when present, must name that algorithm.
     *
     * @throws IllegalArgumentException for any other key type, curve or {@code alg}
     */
    public static String algorithmOf(JWK jwk) {
        String algorithm;
        if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
            algorithm = EDDSA;
        } else if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve())) {
            algorithm = ES256;
        } else {
            throw new IllegalArgumentException("audit key rejected: kty " + jwk.getKeyType() + " with crv "
                    + curveName(jwk) + " (expected: OKP with Ed25519, or EC with P-256)");
        }
        if (jwk.getAlgorithm() != null && !algorithm.equals(jwk.getAlgorithm().getName())) {
            throw new IllegalArgumentException("audit key rejected: alg \"" + jwk.getAlgorithm().getName()
                    + "\" (expected: \"" + algorithm + "\" for this key type)");
        }
        return algorithm;
    }

    private static String curveName(JWK jwk) {
        if (jwk instanceof OctetKeyPair okp) {
            return String.valueOf(okp.getCurve());
        }
        if (jwk instanceof ECKey ec) {
            return String.valueOf(ec.getCurve());
        }
        return "(none)";
    }

    /** Checks the algorithm name and returns it. */
    public static String requireAlgorithm(String algorithm) {
        if (!EDDSA.equals(algorithm) && !ES256.equals(algorithm)) {
            throw new IllegalArgumentException("audit key algorithm rejected: \"" + algorithm
                    + "\" (expected: \"EdDSA\" or \"ES256\")");
        }
        return algorithm;
    }

    /** Returns the JCA public key of a public or private audit JWK. */
    public static PublicKey publicKey(JWK jwk) {
        try {
            if (jwk instanceof ECKey ec) {
                return ec.toECPublicKey();
            }
            byte[] x = ((OctetKeyPair) jwk).getX().decode();
            if (x.length != ED25519_KEY_BYTES) {
                throw new IllegalArgumentException("Ed25519 audit key rejected: x is " + x.length
                        + " bytes long (expected: 32)");
            }
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(
                    ED25519_SPKI_PREFIX, x)));
        } catch (GeneralSecurityException | JOSEException e) {
            throw new IllegalArgumentException("audit public key rejected: " + e.getMessage(), e);
        }
    }

    /** Returns the JCA private key of a private audit JWK. */
    public static PrivateKey privateKey(JWK jwk) {
        try {
            if (jwk instanceof ECKey ec) {
                return ec.toECPrivateKey();
            }
            byte[] d = ((OctetKeyPair) jwk).getD().decode();
            if (d.length != ED25519_KEY_BYTES) {
                throw new IllegalArgumentException("Ed25519 audit key rejected: d has the wrong length (expected: 32"
                        + " bytes)");
            }
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(concat(
                    ED25519_PKCS8_PREFIX, d)));
        } catch (GeneralSecurityException | JOSEException e) {
            // The provider's message is not printed: it could quote key material.
            throw new IllegalArgumentException("audit private key rejected by the JCA provider ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Signs {@code data} with the JCA signature of {@code algorithm}. */
    public static byte[] sign(String algorithm, PrivateKey key, byte[] data) {
        try {
            Signature signature = Signature.getInstance(jcaName(algorithm));
            signature.initSign(key);
            signature.update(data);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " signing with the audit key failed: " + e.getMessage(), e);
        }
    }

    /**
     * Verifies a signature; false when it is not {@value #SIGNATURE_BYTES} bytes long or does not match.
     *
     * @throws IllegalStateException when the JCA cannot check {@code algorithm} at all
     */
    public static boolean verify(String algorithm, PublicKey key, byte[] data, byte[] signatureBytes) {
        if (signatureBytes == null || signatureBytes.length != SIGNATURE_BYTES) {
            return false;
        }
        try {
            Signature signature = Signature.getInstance(jcaName(algorithm));
            signature.initVerify(key);
            signature.update(data);
            return signature.verify(signatureBytes);
        } catch (SignatureException e) {
            return false;
        } catch (InvalidKeyException e) {
            throw new IllegalStateException(algorithm + " audit public key rejected by the JCA provider: "
                    + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " signature check unavailable: " + e.getMessage(), e);
        }
    }

    private static String jcaName(String algorithm) {
        return EDDSA.equals(algorithm) ? "Ed25519" : "SHA256withECDSAinP1363Format";
    }

    private static byte[] rawKey(byte[] encoded, byte[] prefix, String what) {
        if (encoded.length != prefix.length + ED25519_KEY_BYTES
                || !Arrays.equals(encoded, 0, prefix.length, prefix, 0, prefix.length)) {
            throw new IllegalStateException("generated Ed25519 " + what + " key has an unexpected encoding");
        }
        return Arrays.copyOfRange(encoded, prefix.length, encoded.length);
    }

    /**
     * Extracts the 32-byte seed from a PKCS#8 Ed25519 key (RFC 8410 §7). Providers write version 1 or, with the
     * public key attached, version 2; the seed sits at the same offset in both.
     */
    private static byte[] rawPrivateEd25519(byte[] encoded) {
        int start = ED25519_PKCS8_PREFIX.length;
        boolean layout = encoded.length >= start + ED25519_KEY_BYTES && encoded[0] == 0x30
                && (encoded[4] == 0x00 || encoded[4] == 0x01)
                && Arrays.equals(encoded, 5, start, ED25519_PKCS8_PREFIX, 5, start);
        if (!layout) {
            throw new IllegalStateException("generated Ed25519 private key has an unexpected encoding");
        }
        return Arrays.copyOfRange(encoded, start, start + ED25519_KEY_BYTES);
    }

    private static byte[] concat(byte[] prefix, byte[] key) {
        byte[] out = Arrays.copyOf(prefix, prefix.length + key.length);
        System.arraycopy(key, 0, out, prefix.length, key.length);
        return out;
    }
}
