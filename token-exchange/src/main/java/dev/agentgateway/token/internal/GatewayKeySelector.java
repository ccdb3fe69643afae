package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Selects the public keys that may verify one of the gateway's own tokens: keys of the live set that match the
 * header's {@code alg} and {@code kid}, for an allowed algorithm only. Unlike Nimbus's key selector it converts
 * Ed25519 keys through the JCA, so EdDSA works without Google Tink.
 */
public final class GatewayKeySelector implements JWSKeySelector<SecurityContext> {

    private final Set<JWSAlgorithm> algorithms;
    private final JWKSource<SecurityContext> keys;

    public GatewayKeySelector(Set<JWSAlgorithm> algorithms, JWKSource<SecurityContext> keys) {
        this.algorithms = Set.copyOf(algorithms);
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    @Override
    public List<Key> selectJWSKeys(JWSHeader header, SecurityContext context) throws KeySourceException {
        if (!algorithms.contains(header.getAlgorithm())) {
            return List.of();
        }
        List<JWK> matches = keys.get(new JWKSelector(JWKMatcher.forJWSHeader(header)), context);
        List<Key> selected = new ArrayList<>(matches.size());
        for (JWK jwk : matches) {
            try {
                selected.add(publicKey(jwk));
            } catch (JOSEException e) {
                throw new KeySourceException("gateway key " + jwk.getKeyID() + " is unusable: " + e.getMessage(), e);
            }
        }
        return selected;
    }

    private static Key publicKey(JWK jwk) throws JOSEException {
        if (jwk instanceof OctetKeyPair okp) {
            return GatewayEd25519Keys.publicKey(okp);
        }
        if (jwk instanceof ECKey ec) {
            return ec.toECPublicKey();
        }
        throw new JOSEException("key type " + jwk.getKeyType() + " (expected: EC or OKP)");
    }
}
