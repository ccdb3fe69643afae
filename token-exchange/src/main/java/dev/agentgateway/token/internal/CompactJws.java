package dev.agentgateway.token.internal;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JOSEObject;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.text.ParseException;
import java.util.Collections;
import java.util.Map;

/**
 * Parses untrusted JWTs that must be in JWS compact serialization (RFC 7515 §7.1). Rejects oversized input
 * before parsing, and rejects JWE, JSON serialization, unsecured ({@code alg} {@code none} in any letter case)
 * and anything that is not three non-empty base64url segments. Header and payload must be strict JSON objects
 * (see {@link StrictJson}) before Nimbus parses them, so the JSON that Nimbus reads is the JSON that was checked.
 */
public final class CompactJws {

    private CompactJws() {
    }

    /**
     * Parses {@code value} without verifying it.
     *
     * @param kind what the value is, for error descriptions, for example {@code subject token}
     * @param maxLength maximum length in characters
     * @param code error code of every rejection
     * @throws OAuthException when the value is not a well-formed compact JWS
     */
    public static SignedJWT parse(String value, String kind, int maxLength, OAuthErrorCode code)
            throws OAuthException {
        if (value.length() > maxLength) {
            throw new OAuthException(code, kind + " rejected: " + value.length() + " characters (expected: at most "
                    + maxLength + ")");
        }
        checkSegments(value, kind, code);
        StrictJson.checkSegments(value, kind, maxLength, code);
        SignedJWT jwt = parseJws(value, kind, code);
        checkAlgorithm(jwt, kind, code);
        return jwt;
    }

    private static void checkSegments(String value, String kind, OAuthErrorCode code) throws OAuthException {
        int segments = 1;
        int segmentLength = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '.') {
                requireNonEmpty(segmentLength, kind, code);
                segments++;
                segmentLength = 0;
            } else if (isBase64Url(c)) {
                segmentLength++;
            } else {
                throw new OAuthException(code, kind + " rejected: character at index " + i
                        + " is not base64url (expected: JWS compact serialization)");
            }
        }
        requireNonEmpty(segmentLength, kind, code);
        if (segments != 3) {
            throw new OAuthException(code, kind + " rejected: segment count " + segments
                    + " (expected: 3, the JWS compact serialization, because JWE is not accepted)");
        }
    }

    private static void requireNonEmpty(int segmentLength, String kind, OAuthErrorCode code) throws OAuthException {
        if (segmentLength == 0) {
            throw new OAuthException(code, kind + " rejected: empty segment (expected: signed JWS compact "
                    + "serialization)");
        }
    }

    private static boolean isBase64Url(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    private static SignedJWT parseJws(String value, String kind, OAuthErrorCode code) throws OAuthException {
        try {
            Base64URL[] parts = JOSEObject.split(value);
            SignedJWT jwt = new ParsedJws(parts[0], parts[1], parts[2]);
            // Parse the payload now, so a malformed claims set fails here and not inside a later check.
            jwt.getJWTClaimsSet();
            return jwt;
        } catch (ParseException e) {
            throw new OAuthException(code, kind + " rejected: not a valid signed JWT (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            throw LibraryFailures.rejection(code, kind, e);
        }
    }

    private static void checkAlgorithm(SignedJWT jwt, String kind, OAuthErrorCode code) throws OAuthException {
        String algorithm = jwt.getHeader().getAlgorithm().getName();
        if (algorithm.equalsIgnoreCase(Algorithm.NONE.getName())) {
            throw new OAuthException(code, kind + " rejected: alg " + Quoting.quote(algorithm)
                    + " (expected: a signature algorithm)");
        }
    }

    /** Returns the unverified payload as a JSON object, which {@link #parse} has already checked. */
    static Map<String, Object> payload(SignedJWT jwt) {
        return jwt instanceof ParsedJws parsed ? parsed.payloadObject() : jwt.getPayload().toJSONObject();
    }

    /**
     * A JWS from {@link #parse} that parses its payload JSON once, because the claim checks of each token kind read
     * it several times and parsing dominates their cost.
     */
    private static final class ParsedJws extends SignedJWT {

        private static final long serialVersionUID = 1L;

        private transient Map<String, Object> payloadObject;

        ParsedJws(Base64URL header, Base64URL payload, Base64URL signature) throws ParseException {
            super(header, payload, signature);
        }

        Map<String, Object> payloadObject() {
            if (payloadObject == null) {
                payloadObject = Collections.unmodifiableMap(getPayload().toJSONObject());
            }
            return payloadObject;
        }
    }
}
