package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import java.security.Key;
import java.security.PublicKey;
import java.util.HashSet;
import java.util.Set;

/**
 * Creates JWS verifiers for the gateway's JWT processors: {@link Ed25519JcaVerifier} for {@code EdDSA} and
 * {@code Ed25519}, Nimbus's {@link DefaultJWSVerifierFactory} for the other signature algorithms. MAC algorithms
 * ({@code HS256} and its kin) are rejected here as well as by every key selector, because the gateway verifies
 * only signatures and a MAC keyed with a public key proves nothing. Thread-safe.
 */
public final class GatewayJwsVerifierFactory implements JWSVerifierFactory {

    private final DefaultJWSVerifierFactory delegate = new DefaultJWSVerifierFactory();
    private final Set<JWSAlgorithm> algorithms;

    public GatewayJwsVerifierFactory() {
        Set<JWSAlgorithm> supported = new HashSet<>(delegate.supportedJWSAlgorithms());
        supported.removeAll(JWSAlgorithm.Family.HMAC_SHA);
        supported.addAll(Ed25519JcaVerifier.ALGORITHMS);
        this.algorithms = Set.copyOf(supported);
    }

    @Override
    public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
        if (JWSAlgorithm.Family.HMAC_SHA.contains(header.getAlgorithm())) {
            throw new JOSEException("JWS algorithm " + header.getAlgorithm() + " rejected (expected: a signature "
                    + "algorithm, never a MAC)");
        }
        if (!Ed25519JcaVerifier.ALGORITHMS.contains(header.getAlgorithm())) {
            return delegate.createJWSVerifier(header, key);
        }
        if (!(key instanceof PublicKey publicKey)) {
            throw new JOSEException("key for " + header.getAlgorithm() + " rejected (expected: an Ed25519 public key)");
        }
        return new Ed25519JcaVerifier(publicKey);
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return algorithms;
    }

    @Override
    public JCAContext getJCAContext() {
        return delegate.getJCAContext();
    }
}
