package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Set;

/**
 * Signs JWS objects with Ed25519 ({@code alg} {@code EdDSA} or {@code Ed25519}) through the JCA {@code Ed25519}
 * signature of whichever provider the process's provider order puts first. Replaces Nimbus's
 * {@code Ed25519Signer}, which needs Google Tink. Signatures are deterministic (RFC 8032). Thread-safe.
 */
public final class Ed25519JcaSigner implements JWSSigner {

    private final PrivateKey privateKey;
    private final JCAContext jcaContext = new JCAContext();

    /**
     * Creates a signer for a private Ed25519 JWK. Signs a probe message and checks it against {@code x}, so a JWK
     * whose {@code d} and {@code x} do not belong together is rejected here rather than at every verifier.
     *
     * @throws JOSEException when the curve is not Ed25519, {@code d} is missing or not 32 bytes, or {@code x} does
     *     not match {@code d}
     */
    public Ed25519JcaSigner(OctetKeyPair privateKey) throws JOSEException {
        this.privateKey = Ed25519Keys.privateKey(privateKey);
        checkPair(privateKey);
    }

    private void checkPair(OctetKeyPair jwk) throws JOSEException {
        JWSHeader header = new JWSHeader(JWSAlgorithm.EdDSA);
        byte[] probe = {'k', 'e', 'y'};
        if (!new Ed25519JcaVerifier(jwk.toPublicJWK()).verify(header, probe, sign(header, probe))) {
            throw new JOSEException("Ed25519 JWK members d and x do not form a key pair");
        }
    }

    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
        if (!Ed25519JcaVerifier.ALGORITHMS.contains(header.getAlgorithm())) {
            throw new JOSEException("JWS algorithm " + header.getAlgorithm() + " rejected (expected: EdDSA or "
                    + "Ed25519)");
        }
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(privateKey);
            signer.update(signingInput);
            return Base64URL.encode(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new JOSEException("Ed25519 signing failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return Ed25519JcaVerifier.ALGORITHMS;
    }

    @Override
    public JCAContext getJCAContext() {
        return jcaContext;
    }
}
