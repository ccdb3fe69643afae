package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Selects verification keys from a key source for an allow-list of algorithms, like Nimbus's
 * {@link JWSVerificationKeySelector}, and also turns Ed25519 JWKs into JCA keys, which Nimbus 10.10 does only
 * through Google Tink. Keys are never taken from the token header. Thread-safe when the key source is.
 *
 * @param <C> security context type
 */
public final class GatewayJwsKeySelector<C extends SecurityContext> extends JWSVerificationKeySelector<C> {

    public GatewayJwsKeySelector(Set<JWSAlgorithm> algorithms, JWKSource<C> keySource) {
        super(algorithms, keySource);
    }

    @Override
    public List<Key> selectJWSKeys(JWSHeader header, C context) throws KeySourceException {
        if (!isAllowed(header.getAlgorithm()) || !Ed25519JcaVerifier.ALGORITHMS.contains(header.getAlgorithm())) {
            return super.selectJWSKeys(header, context);
        }
        JWKMatcher matcher = createJWKMatcher(header);
        if (matcher == null) {
            return List.of();
        }
        @SuppressWarnings("unchecked")
        JWKSource<C> source = getJWKSource();
        List<Key> keys = new ArrayList<>();
        for (JWK jwk : source.get(new JWKSelector(matcher), context)) {
            if (jwk instanceof OctetKeyPair octetKeyPair) {
                addEd25519(octetKeyPair, keys);
            }
        }
        return keys;
    }

    /** Adds the key when it is a well-formed Ed25519 key; an Ed448, X25519 or malformed key matches nothing. */
    private static void addEd25519(OctetKeyPair jwk, List<Key> keys) {
        try {
            keys.add(Ed25519Keys.publicKey(jwk));
        } catch (JOSEException e) {
            // Skipped like any key that does not match the header.
        }
    }
}
