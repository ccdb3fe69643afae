package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Set;

/**
 * Verifies Ed25519 JWS signatures ({@code alg} {@code EdDSA} of RFC 8037 or the fully specified {@code Ed25519})
 * with the JCA {@code Ed25519} signature of whichever provider the process's provider order puts first. Replaces
 * Nimbus's {@code Ed25519Verifier}, which needs Google Tink. A signature of the wrong length or one the provider cannot
 * parse is an invalid signature, never an exception. A header with {@code crit} parameters is rejected, because
 * this verifier understands none. Thread-safe.
 */
public final class Ed25519JcaVerifier implements JWSVerifier {

    /** Algorithms this verifier accepts. */
    public static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

    private final PublicKey publicKey;
    private final JCAContext jcaContext = new JCAContext();

    /**
     * Creates a verifier for a public Ed25519 JWK.
     *
     * @throws JOSEException when the curve is not Ed25519 or {@code x} is not 32 bytes
     */
    public Ed25519JcaVerifier(OctetKeyPair publicKey) throws JOSEException {
        this.publicKey = Ed25519Keys.publicKey(publicKey);
    }

    /**
     * Creates a verifier for a JCA public key of any provider.
     *
     * @throws JOSEException when the key is not an X.509-encoded Ed25519 key
     */
    public Ed25519JcaVerifier(PublicKey publicKey) throws JOSEException {
        this.publicKey = Ed25519Keys.publicKey(publicKey);
    }

    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
        if (!ALGORITHMS.contains(header.getAlgorithm())) {
            throw new JOSEException("JWS algorithm " + header.getAlgorithm() + " rejected (expected: EdDSA or "
                    + "Ed25519)");
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            return false;
        }
        byte[] signatureBytes = signature.decode();
        if (signatureBytes.length != Ed25519Keys.SIGNATURE_BYTES) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(publicKey);
            verifier.update(signingInput);
            return verifier.verify(signatureBytes);
        } catch (SignatureException e) {
            return false;
        } catch (InvalidKeyException e) {
            throw new JOSEException("Ed25519 public key rejected by the JCA provider: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new JOSEException("Ed25519 signature check unavailable: " + e.getMessage(), e);
        }
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return ALGORITHMS;
    }

    @Override
    public JCAContext getJCAContext() {
        return jcaContext;
    }
}
