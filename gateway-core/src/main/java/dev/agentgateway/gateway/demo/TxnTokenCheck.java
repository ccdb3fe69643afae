package dev.agentgateway.gateway.demo;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.text.ParseException;
import java.util.Set;

/**
 * Verifies a Txn-Token the way a backend would: signature against the gateway's published JWK set, {@code typ}
 * {@code txntoken+jwt}, the backend's audience, an unexpired {@code exp} and the claims the demo shows.
 */
final class TxnTokenCheck {

    static final JOSEObjectType TXN_TOKEN_TYPE = new JOSEObjectType("txntoken+jwt");

    private static final Set<String> REQUIRED_CLAIMS = Set.of("iss", "sub", "aud", "iat", "exp", "txn");

    private TxnTokenCheck() {
    }

    /**
     * Returns the verified claims of {@code txnToken}.
     *
     * @param gatewayJwksJson the gateway's JWK set as served at {@code /.well-known/jwks.json}
     * @param audience the backend audience the token must name
     * @throws TxnTokenException when the JWK set cannot be parsed or the token fails a check
     */
    static JWTClaimsSet verify(String txnToken, String gatewayJwksJson, String audience) throws TxnTokenException {
        JWKSet jwks;
        try {
            jwks = JWKSet.parse(gatewayJwksJson);
        } catch (ParseException e) {
            throw new TxnTokenException("the gateway's JWK set is not a valid JWK set: "
                    + e.getMessage(), e);
        }
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(TXN_TOKEN_TYPE));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.ES256, new ImmutableJWKSet<>(jwks)));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(audience, null, REQUIRED_CLAIMS));
        try {
            return processor.process(txnToken, null);
        } catch (ParseException | BadJOSEException e) {
            throw new TxnTokenException("Txn-Token rejected: " + e.getMessage(), e);
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new TxnTokenException("Txn-Token could not be verified: " + e.getMessage(), e);
        }
    }

    /** A Txn-Token failed verification; the message names the check and never contains the token. */
    static final class TxnTokenException extends Exception {

        private static final long serialVersionUID = 1L;

        TxnTokenException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
