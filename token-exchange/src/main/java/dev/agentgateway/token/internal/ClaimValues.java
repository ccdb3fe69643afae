package dev.agentgateway.token.internal;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.agentgateway.config.PrintableText;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Reads typed claims of a verified JWT, rejecting values of the wrong JSON type and strings that contain a control
 * character, an unpaired surrogate or an invisible formatting character (see {@link PrintableText}). These values
 * become identities in policy decisions, audit records, Txn-Tokens and headers, where a line break could forge a field
 * or a record.
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

    /**
     * Returns an identifier claim such as {@code iss} or {@code sub}: present, not blank and without leading or
     * trailing whitespace, so {@code " alice"} and {@code "alice"} can never name two principals.
     */
    public String requiredString(String name) throws OAuthException {
        return identifier(name, string(name));
    }

    /** Returns a member of an object claim that must be an identifier, as {@link #requiredString} describes. */
    public String requiredMemberString(Map<String, Object> object, String claim, String member)
            throws OAuthException {
        return identifier(claim + "." + member, memberString(object, claim, member));
    }

    private String identifier(String name, String value) throws OAuthException {
        if (value == null || value.isEmpty()) {
            throw new OAuthException(code, kind + " rejected: " + name + " missing");
        }
        if (isSpace(value.charAt(0)) || isSpace(value.charAt(value.length() - 1))) {
            String problem = value.codePoints().allMatch(c -> isSpace(c)) ? " is blank"
                    : " has leading or trailing whitespace";
            throw new OAuthException(code, kind + " rejected: " + name + " " + Quoting.quote(value) + problem
                    + " (expected: an identifier without surrounding whitespace)");
        }
        return value;
    }

    private static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
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
        int index = value == null ? -1 : PrintableText.firstRejectedCharacter(value);
        if (index >= 0) {
            throw new OAuthException(code, kind + " rejected: " + name + " contains "
                    + PrintableText.describe(value, index) + " (expected: printable text)");
        }
        return value;
    }

    private OAuthException wrongType(String name, String expected) {
        return new OAuthException(code, kind + " rejected: " + name + " has the wrong type (expected: " + expected
                + ")");
    }
}
