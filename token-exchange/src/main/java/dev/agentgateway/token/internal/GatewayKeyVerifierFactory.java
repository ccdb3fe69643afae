package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import java.security.Key;
import java.security.interfaces.EdECPublicKey;
import java.util.HashSet;
import java.util.Set;

/**
 * Creates verifiers for the gateway's own tokens: EdDSA with {@link GatewayEd25519Verifier}, because Nimbus's
 * Ed25519 verifier needs Google Tink, and every other algorithm with Nimbus's default factory.
 */
public final class GatewayKeyVerifierFactory implements JWSVerifierFactory {

    private final DefaultJWSVerifierFactory defaults = new DefaultJWSVerifierFactory();

    @Override
    public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
        if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
            return defaults.createJWSVerifier(header, key);
        }
        boolean ed25519 = key instanceof EdECPublicKey edKey
                && GatewayEd25519Keys.JCA_ALGORITHM.equals(edKey.getParams().getName());
        if (!ed25519) {
            throw new JOSEException("EdDSA verification needs an Ed25519 public key (received: "
                    + key.getAlgorithm() + ")");
        }
        return new GatewayEd25519Verifier((EdECPublicKey) key);
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        Set<JWSAlgorithm> algorithms = new HashSet<>(defaults.supportedJWSAlgorithms());
        algorithms.add(JWSAlgorithm.EdDSA);
        return Set.copyOf(algorithms);
    }

    @Override
    public JCAContext getJCAContext() {
        return defaults.getJCAContext();
    }
}
