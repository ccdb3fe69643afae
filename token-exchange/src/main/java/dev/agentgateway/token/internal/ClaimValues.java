package dev.agentgateway.token.internal;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Reads typed claims of a verified JWT, rejecting values of the wrong JSON type and strings that contain a control
 * character (see {@link PrintableText}). These values become identities in policy decisions, audit records,
 * Txn-Tokens and headers, where a line break could forge a field or a record.
 */
public final class ClaimValues {

    private final JWTClaimsSet claims;
    private final String kind;
    private final OAuthErrorCode code;

    /**
     * @param kind what the claims belong to, for example {@code subject token}
     * @param code error code of every rejection
     */
    public ClaimValues(JWTClaimsSet claims, String kind, OAuthErrorCode code) {
        this.claims = claims;
        this.kind = kind;
        this.code = code;
    }

    /** Returns a string claim, or {@code null} when absent. */
    public String string(String name) throws OAuthException {
        try {
            return printable(name, claims.getStringClaim(name));
        } catch (ParseException e) {
            throw wrongType(name, "a string");
        }
    }

    /** Returns a string claim that must be present and non-empty. */
    public String requiredString(String name) throws OAuthException {
        String value = string(name);
        if (value == null || value.isEmpty()) {
            throw new OAuthException(code, kind + " rejected: " + name + " missing");
        }
        return value;
    }

    /** Returns a string array claim, or an empty list when absent. */
    public List<String> stringList(String name) throws OAuthException {
        try {
            List<String> values = claims.getStringListClaim(name);
            if (values == null) {
                return List.of();
            }
            if (values.contains(null)) {
                throw wrongType(name, "an array of strings");
            }
            for (String value : values) {
                printable(name, value);
            }
            return List.copyOf(values);
        } catch (ParseException e) {
            throw wrongType(name, "an array of strings");
        }
    }

    /** Returns a NumericDate claim, or {@code null} when absent. */
    public Instant instant(String name) throws OAuthException {
        try {
            Date date = claims.getDateClaim(name);
            return date == null ? null : date.toInstant();
        } catch (ParseException e) {
            throw wrongType(name, "a number of seconds");
        }
    }

    /** Returns a JSON object claim, or {@code null} when absent. */
    public Map<String, Object> object(String name) throws OAuthException {
        try {
            return claims.getJSONObjectClaim(name);
        } catch (ParseException e) {
            throw wrongType(name, "a JSON object");
        }
    }

    /** Returns a string member of an object claim, or {@code null} when absent. */
    public String memberString(Map<String, Object> object, String claim, String member) throws OAuthException {
        Object value = object.get(member);
        if (value == null || value instanceof String) {
            return printable(claim + "." + member, (String) value);
        }
        throw wrongType(claim + "." + member, "a string");
    }

    private String printable(String name, String value) throws OAuthException {
        int index = value == null ? -1 : PrintableText.firstControlCharacter(value);
        if (index >= 0) {
            throw new OAuthException(code, kind + " rejected: " + name + " contains control character "
                    + PrintableText.describe(value, index) + " (expected: printable text)");
        }
        return value;
    }

    private OAuthException wrongType(String name, String expected) {
        return new OAuthException(code, kind + " rejected: " + name + " has the wrong type (expected: " + expected
                + ")");
    }
}
