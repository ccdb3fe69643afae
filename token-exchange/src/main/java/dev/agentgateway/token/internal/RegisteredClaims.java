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
    /**
     * Claims that may never be JSON {@code null}. Nimbus reports a null claim as present to the required-claims
     * check and as absent to the typed getters, so a null {@code exp} would pass the first and break the second.
     */
    private static final List<String> NON_NULL_CLAIMS = List.of("iss", "sub", "aud", "exp", "nbf", "iat", "jti",
            "auth_time", "azp", "acr", "amr", "groups", "may_act", "act", "cnf", "scope", "client_id",
            "subject_issuer", "principal_class");

    private RegisteredClaims() {
    }

    /**
     * Rejects registered and identity claims that are JSON {@code null}, {@code exp}, {@code nbf}, {@code iat} or
     * {@code auth_time} unless a number of seconds in 1970..9999,
     * and {@code iss}, {@code sub} or {@code jti} unless a string.
     */
    public static void check(SignedJWT jwt, String kind, OAuthErrorCode code) throws OAuthException {
        Map<String, Object> payload = CompactJws.payload(jwt);
        for (String claim : NON_NULL_CLAIMS) {
            if (payload.containsKey(claim) && payload.get(claim) == null) {
                throw new OAuthException(code, kind + " rejected: " + claim + " is null (expected: a value of the "
                        + "claim's type, or no claim where it is optional)");
            }
        }
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
