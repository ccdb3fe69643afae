package dev.agentgateway.token.internal;

import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.config.PrintableText;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;

/**
 * Checks the JSON types and contents of the DPoP proof claims of RFC 9449 §4.2 in the raw payload, before the proof
 * reaches oauth2-oidc-sdk. The SDK wraps these values in types that throw {@code IllegalArgumentException} for an
 * empty string, so every value it will wrap is checked here first. Only rejects, so it may run before signature
 * verification.
 */
final class ProofClaims {

    /** Maximum length of a proof {@code jti}, several times the 36 characters of a UUID. */
    static final int MAX_JTI_LENGTH = 256;
    /** Maximum length of {@code htm}, ample for any HTTP method name. */
    static final int MAX_HTM_LENGTH = 32;
    /** Maximum length of {@code htu}. */
    static final int MAX_HTU_LENGTH = 4096;
    /** Maximum length of {@code ath} and {@code nonce}. */
    static final int MAX_VALUE_LENGTH = 512;

    private static final String KIND = "DPoP proof";
    private static final String TOKEN_SPECIALS = "!#$%&'*+-.^_`|~";

    private ProofClaims() {
    }

    /** Rejects a proof whose {@code jti}, {@code htm}, {@code htu}, {@code iat}, {@code ath} or nonce is malformed. */
    static void check(SignedJWT jwt) throws OAuthException {
        Map<String, Object> payload = CompactJws.payload(jwt);
        checkPrintable("jti", requiredString(payload, "jti", MAX_JTI_LENGTH));
        checkMethod(requiredString(payload, "htm", MAX_HTM_LENGTH));
        checkUri(requiredString(payload, "htu", MAX_HTU_LENGTH));
        if (payload.get("iat") == null) {
            throw reject("iat missing (expected: the time the proof was created, in seconds since 1970)");
        }
        optionalString(payload, "ath");
        optionalString(payload, "nonce");
    }

    /** Returns the proof's {@code htu} claim, which {@link #check} has found to be a non-blank string. */
    static String htu(SignedJWT jwt) {
        return (String) CompactJws.payload(jwt).get("htu");
    }

    /** Returns the proof's {@code nonce} claim, or {@code null} when it has none. {@link #check} has run first. */
    static String nonce(SignedJWT jwt) {
        return (String) CompactJws.payload(jwt).get("nonce");
    }

    private static String requiredString(Map<String, Object> payload, String claim, int maxLength)
            throws OAuthException {
        Object value = payload.get(claim);
        if (value == null) {
            throw reject(claim + " missing (expected: a non-empty string)");
        }
        return nonBlank(claim, value, maxLength);
    }

    private static void optionalString(Map<String, Object> payload, String claim) throws OAuthException {
        Object value = payload.get(claim);
        if (value != null) {
            checkPrintable(claim, nonBlank(claim, value, MAX_VALUE_LENGTH));
        }
    }

    private static String nonBlank(String claim, Object value, int maxLength) throws OAuthException {
        if (!(value instanceof String text)) {
            throw reject(claim + " has the wrong type (expected: a string)");
        }
        if (text.isBlank()) {
            throw reject(claim + " " + Quoting.quote(text) + " is blank (expected: a non-empty string)");
        }
        if (text.length() > maxLength) {
            throw reject(claim + " has " + text.length() + " characters (expected: at most " + maxLength + ")");
        }
        return text;
    }

    private static void checkPrintable(String claim, String value) throws OAuthException {
        int index = PrintableText.firstRejectedCharacter(value);
        if (index >= 0 || !value.strip().equals(value)) {
            throw reject(claim + " " + Quoting.quote(value) + " contains a control, surrogate or invisible "
                    + "formatting character or surrounding whitespace (expected: printable text)");
        }
    }

    /** Requires an RFC 9110 §9.1 method token: case is kept, so {@code post} later fails the {@code htm} match. */
    private static void checkMethod(String method) throws OAuthException {
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            boolean tokenChar = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || TOKEN_SPECIALS.indexOf(c) >= 0;
            if (!tokenChar) {
                throw reject("htm " + Quoting.quote(method) + " is not an HTTP method (expected: for example POST)");
            }
        }
    }

    private static void checkUri(String htu) throws OAuthException {
        URI uri;
        try {
            uri = new URI(htu);
        } catch (URISyntaxException e) {
            throw reject("htu " + Quoting.quote(htu) + " is not a URI (expected: the absolute request URI)");
        }
        if (!uri.isAbsolute() || uri.getRawAuthority() == null) {
            throw reject("htu " + Quoting.quote(htu) + " is not an absolute http(s) URI (expected: the request URI)");
        }
    }

    private static OAuthException reject(String problem) {
        return new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, KIND + " rejected: " + problem);
    }
}
