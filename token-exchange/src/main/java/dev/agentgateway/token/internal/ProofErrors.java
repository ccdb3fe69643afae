package dev.agentgateway.token.internal;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InvalidDPoPProofException;
import java.net.URI;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Rewords the proof failures that oauth2-oidc-sdk 11.39 and Nimbus JOSE+JWT 10.10 report into this project's
 * style, which is lower case and names the check and what was expected. No text from the proof itself is repeated, so a
 * description never echoes a value an attacker chose.
 */
final class ProofErrors {

    /** Values the proof was checked against. {@code htu} is the request URL without query and fragment. */
    record Expected(String htm, URI htu, long maxAgeSeconds, long skewSeconds) {
    }

    private static final String ATH_FORM = "the base64url SHA-256 hash of the access token";

    private ProofErrors() {
    }

    /** Returns the description of {@code error} for an {@code invalid_dpop_proof} response. */
    static String describe(InvalidDPoPProofException error, Expected expected) {
        String text = sdkText(error);
        if (text.startsWith("the jti was already used") || text.startsWith("detected jti replay")) {
            return "DPoP proof jti has already been used (proofs are single-use)";
        }
        if (text.startsWith("jwt htm claim")) {
            return "DPoP proof htm does not match the request method (expected: " + Quoting.quote(expected.htm())
                    + ")";
        }
        if (text.startsWith("jwt htu claim")) {
            return "DPoP proof htu does not match the request URL (expected: "
                    + Quoting.quote(expected.htu().toString()) + ")";
        }
        if (text.startsWith("dpop proof iat too far in future")) {
            return futureIat(expected.skewSeconds());
        }
        if (text.startsWith("dpop proof iat too old")) {
            return oldIat(expected.maxAgeSeconds(), expected.skewSeconds());
        }
        return describeStructure(text);
    }

    /**
     * Returns whether the SDK rejected the proof for its {@code nonce} claim alone: missing, not a string, or not
     * among the accepted nonces.
     */
    static boolean isNonceOnly(InvalidDPoPProofException error) {
        String text = sdkText(error);
        return text.startsWith("jwt nonce claim value rejected") || text.startsWith("illegal jwt nonce claim")
                || text.equals("jwt missing required claims: [nonce]");
    }

    /** Describes failures of the proof's header, key, signature and claim set. */
    private static String describeStructure(String text) {
        if (text.startsWith("missing jwt ath claim") || text.equals("jwt missing required claims: [ath]")) {
            return "DPoP proof ath is missing (expected: " + ATH_FORM + ")";
        }
        if (text.startsWith("illegal jwt ath claim")) {
            return "DPoP proof ath is not a string (expected: " + ATH_FORM + ")";
        }
        if (text.startsWith("jwt missing required claims: [") && text.endsWith("]")) {
            // The list names claims the verifier requires, never values from the proof.
            String names = text.substring("jwt missing required claims: [".length(), text.length() - 1);
            String subject = names.contains(",") ? "claims " + names + " are" : "claim " + names + " is";
            return "DPoP proof " + subject + " missing (expected: jti, htm, htu, iat, and ath with a token)";
        }
        if (text.startsWith("signed jwt rejected: invalid signature")) {
            return "DPoP proof signature is invalid (expected: a signature by the key in its jwk header)";
        }
        if (text.startsWith("jws header algorithm not accepted")) {
            return "DPoP proof alg is not accepted (expected: one of " + algorithmList() + ")";
        }
        if (text.startsWith("jws header alg / jwk mismatch") || text.contains("no matching key(s) found")) {
            return "DPoP proof jwk does not fit its alg (expected: an EC key for ES algorithms, RSA for RS and PS)";
        }
        if (text.startsWith("invalid ec jwk") || text.startsWith("invalid rsa jwk")) {
            return "DPoP proof jwk is not a valid public key";
        }
        if (text.contains("typ (type)")) {
            return "DPoP proof typ is missing or wrong (expected: \"dpop+jwt\")";
        }
        if (text.startsWith("expired jwt")) {
            return "DPoP proof exp has passed";
        }
        if (text.startsWith("jwt before use time")) {
            return "DPoP proof nbf is in the future";
        }
        return "DPoP proof failed verification (expected: a proof that meets RFC 9449 section 4.3)";
    }

    /** Returns the description of a proof whose {@code iat} lies too far ahead of the clock. */
    static String futureIat(long skewSeconds) {
        return "DPoP proof iat is in the future (expected: at most " + skewSeconds + "s ahead of the gateway's"
                + " clock)";
    }

    /** Returns the description of a proof whose {@code iat} lies too far behind the clock. */
    static String oldIat(long maxAgeSeconds, long skewSeconds) {
        return "DPoP proof iat is too old (expected: at most " + maxAgeSeconds + "s plus " + skewSeconds
                + "s clock skew in the past)";
    }

    /** Returns the library's own text, from the wrapped cause when there is one, in lower case. */
    private static String sdkText(InvalidDPoPProofException error) {
        Throwable source = error.getCause() != null && error.getCause().getMessage() != null ? error.getCause()
                : error;
        String text = source.getMessage() == null ? "" : source.getMessage();
        if (text.startsWith("Invalid DPoP proof: ")) {
            text = text.substring("Invalid DPoP proof: ".length());
        }
        return text.toLowerCase(Locale.ROOT);
    }

    private static String algorithmList() {
        return DPoPProofVerifier.ALGORITHMS.stream().map(JWSAlgorithm::getName).collect(Collectors.joining(", "));
    }
}
