package dev.agentgateway.token.internal;

import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.util.List;
import java.util.Map;

/**
 * Checks the JSON types of registered claims (RFC 7519 §4.1) in the raw payload, before Nimbus converts them:
 * Nimbus silently turns a numeric {@code sub} into a string and overflows when converting huge RegisteredClaims to
 * milliseconds. Only rejects, so it may run before signature verification.
 */
public final class RegisteredClaims {

    /** 9999-12-31T23:59:59Z, the largest date accepted. */
    static final long MAX_SECONDS = 253_402_300_799L;

    private static final List<String> DATE_CLAIMS = List.of("exp", "nbf", "iat", "auth_time");
    private static final List<String> STRING_CLAIMS = List.of("iss", "sub", "jti");

    private RegisteredClaims() {
    }

    /**
     * Rejects {@code exp}, {@code nbf}, {@code iat} or {@code auth_time} unless a number of seconds in 1970..9999,
     * and {@code iss}, {@code sub} or {@code jti} unless a string.
     */
    public static void check(SignedJWT jwt, String kind, OAuthErrorCode code) throws OAuthException {
        Map<String, Object> payload = CompactJws.payload(jwt);
        for (String claim : DATE_CLAIMS) {
            Object value = payload.get(claim);
            if (value != null && !isAcceptedSeconds(value)) {
                throw new OAuthException(code, kind + " rejected: " + claim + " " + Quoting.quote(value.toString())
                        + " (expected: seconds since 1970, up to year 9999)");
            }
        }
        for (String claim : STRING_CLAIMS) {
            Object value = payload.get(claim);
            if (value != null && !(value instanceof String)) {
                throw new OAuthException(code, kind + " rejected: " + claim + " has the wrong type (expected: a "
                        + "string)");
            }
        }
    }

    private static boolean isAcceptedSeconds(Object value) {
        if (value instanceof Long || value instanceof Integer) {
            long seconds = ((Number) value).longValue();
            return seconds >= 0 && seconds <= MAX_SECONDS;
        }
        if (value instanceof Double) {
            double seconds = (Double) value;
            return seconds >= 0 && seconds <= MAX_SECONDS;
        }
        return false;
    }
}
