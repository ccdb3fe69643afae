package dev.agentgateway.token.internal;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;

/**
 * A DPoP proof as handed to oauth2-oidc-sdk: the same signed bytes, whose claims set shows {@code htu} in the
 * normalized form of {@link HttpUriNormalizer}.
 *
 * <p>oauth2-oidc-sdk 11.39 compares {@code htu} with the expected URI as exact strings. RFC 9449 §4.3 requires the
 * comparison after RFC 3986 normalization and without query and fragment, so the verifier gives the SDK both sides
 * normalized: the SDK then gets equal values exactly when the normalized forms are equal. The signature is still
 * verified over the proof as received, because Nimbus verifies the parsed segments, not the claims set.
 */
final class NormalizedHtuProof extends SignedJWT {

    private static final long serialVersionUID = 1L;

    private final String normalizedHtu;
    private transient JWTClaimsSet claims;

    /** Wraps {@code proof}, which must be a parsed proof, not one built in memory. */
    NormalizedHtuProof(SignedJWT proof, String normalizedHtu) throws ParseException {
        super(proof.getParsedParts()[0], proof.getParsedParts()[1], proof.getParsedParts()[2]);
        this.normalizedHtu = normalizedHtu;
    }

    @Override
    public JWTClaimsSet getJWTClaimsSet() throws ParseException {
        if (claims == null) {
            claims = new JWTClaimsSet.Builder(super.getJWTClaimsSet()).claim("htu", normalizedHtu).build();
        }
        return claims;
    }
}
