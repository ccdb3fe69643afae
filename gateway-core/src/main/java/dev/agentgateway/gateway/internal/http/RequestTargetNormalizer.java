package dev.agentgateway.gateway.internal.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a raw request-target into one canonical {@link RequestTarget}, or rejects it.
 *
 * <p>Only origin-form is accepted (RFC 9112 §3.2.1). Everything a backend might decode differently from the gateway
 * is rejected rather than repaired: encoded {@code /} and {@code \}, encoded NUL and other control bytes, double
 * encoding ({@code %25} followed by two hex digits), {@code ;} path parameters (raw or encoded), invalid
 * percent-escapes, percent-encoded bytes that are not well-formed UTF-8, empty interior segments, non-ASCII bytes
 * and dot segments hidden behind percent-encoding.
 * Literal dot segments are resolved as in RFC 3986 §5.2.4, except that a path climbing above the root is rejected
 * instead of being clamped. Percent-encoded unreserved characters are decoded and all other escapes are
 * upper-cased (RFC 3986 §6.2.2).
 */
public final class RequestTargetNormalizer {

    private static final int MAX_QUOTED_LENGTH = 120;
    private static final String HEX_DIGITS = "0123456789ABCDEF";

    private RequestTargetNormalizer() {
    }

    /** Normalizes {@code rawTarget}, the request-target exactly as it appeared in the request line. */
    public static RequestTarget normalize(String rawTarget) throws InvalidRequestTargetException {
        requireOriginForm(rawTarget);
        requireAllowedCharacters(rawTarget);

        int queryStart = rawTarget.indexOf('?');
        String rawPath = queryStart < 0 ? rawTarget : rawTarget.substring(0, queryStart);
        String query = queryStart < 0 ? null : rawTarget.substring(queryStart + 1);
        if (query != null) {
            requireValidEscapes(query, rawTarget);
        }
        if (rawPath.indexOf(';') >= 0) {
            throw reject(rawTarget, "contains a ';' path parameter", "a path without ';'");
        }
        return new RequestTarget(normalizePath(rawPath, rawTarget), query);
    }

    private static void requireOriginForm(String rawTarget) throws InvalidRequestTargetException {
        if (rawTarget.isEmpty()) {
            throw reject(rawTarget, "is empty", "an absolute path starting with '/'");
        }
        if (rawTarget.equals("*")) {
            throw reject(rawTarget, "is in asterisk-form", "an absolute path starting with '/'");
        }
        if (rawTarget.charAt(0) != '/') {
            String form = rawTarget.contains("://") ? "absolute-form" : "authority-form";
            throw reject(rawTarget, "is in " + form, "an absolute path starting with '/'");
        }
    }

    /** Accepts only the characters RFC 3986 allows in a path and query, plus {@code %} for escapes. */
    private static void requireAllowedCharacters(String rawTarget) throws InvalidRequestTargetException {
        for (int i = 0; i < rawTarget.length(); i++) {
            char c = rawTarget.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw reject(rawTarget, String.format("contains byte 0x%02X at index %d", (int) c, i),
                        "printable ASCII only");
            }
            if (c == '\\') {
                throw reject(rawTarget, "contains '\\' at index " + i, "'/' as the only path separator");
            }
            if (c == '#') {
                throw reject(rawTarget, "contains a fragment", "no '#' in a request-target");
            }
            if (!isUnreserved(c) && !isSubDelimiter(c) && ":@/?%".indexOf(c) < 0) {
                throw reject(rawTarget, "contains '" + c + "' at index " + i, "characters allowed by RFC 3986");
            }
        }
    }

    private static String normalizePath(String rawPath, String rawTarget) throws InvalidRequestTargetException {
        String[] segments = rawPath.substring(1).split("/", -1);
        List<String> output = new ArrayList<>(segments.length);
        for (int i = 0; i < segments.length; i++) {
            boolean last = i == segments.length - 1;
            String segment = segments[i];
            if (segment.equals(".")) {
                appendTrailingSlashIfLast(output, last);
            } else if (segment.equals("..")) {
                if (output.isEmpty()) {
                    throw reject(rawTarget, "climbs above the root with '..'", "a path that stays below '/'");
                }
                output.remove(output.size() - 1);
                appendTrailingSlashIfLast(output, last);
            } else if (segment.isEmpty() && !last) {
                throw reject(rawTarget, "contains an empty path segment", "no '//' in the path");
            } else {
                output.add(decodeSegment(segment, rawTarget));
            }
        }
        return "/" + String.join("/", output);
    }

    private static void appendTrailingSlashIfLast(List<String> output, boolean last) {
        if (last) {
            output.add("");
        }
    }

    /** Decodes unreserved escapes of one segment and rejects the escapes that could change its meaning. */
    private static String decodeSegment(String segment, String rawTarget) throws InvalidRequestTargetException {
        StringBuilder decoded = new StringBuilder(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c != '%') {
                decoded.append(c);
                continue;
            }
            int value = escapedValue(segment, i, rawTarget);
            requireSafeEscape(value, segment, i, rawTarget);
            if (value >= 0x80) {
                i = appendUtf8Run(segment, i, decoded, rawTarget) - 1;
                continue;
            }
            if (isUnreserved((char) value)) {
                decoded.append((char) value);
            } else {
                decoded.append('%').append(HEX_DIGITS.charAt(value >> 4)).append(HEX_DIGITS.charAt(value & 0xf));
            }
            i += 2;
        }
        String result = decoded.toString();
        if (result.equals(".") || result.equals("..")) {
            throw reject(rawTarget, "contains a percent-encoded dot segment", "no encoded '.' or '..' segment");
        }
        return result;
    }

    /**
     * Appends the run of escaped non-ASCII bytes starting at {@code start} in upper case, after checking that the run
     * is well-formed UTF-8 (RFC 3629): no overlong forms, surrogates, lone continuation bytes or truncated
     * sequences, which backends would decode differently or replace. Returns the index after the run.
     */
    private static int appendUtf8Run(String segment, int start, StringBuilder decoded, String rawTarget)
            throws InvalidRequestTargetException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int end = start;
        while (end + 2 < segment.length() && segment.charAt(end) == '%') {
            int value = escapedValue(segment, end, rawTarget);
            if (value < 0x80) {
                break;
            }
            bytes.write(value);
            decoded.append('%').append(HEX_DIGITS.charAt(value >> 4)).append(HEX_DIGITS.charAt(value & 0xf));
            end += 3;
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()));
        } catch (CharacterCodingException e) {
            throw reject(rawTarget, "contains percent-encoded bytes that are not valid UTF-8 at index " + start,
                    "percent-encoded UTF-8 without overlong forms, surrogates or truncated sequences");
        }
        return end;
    }

    private static void requireSafeEscape(int value, String segment, int index, String rawTarget)
            throws InvalidRequestTargetException {
        if (value == '/') {
            throw reject(rawTarget, "contains an encoded '/' (%2F)", "'/' only as a literal separator");
        }
        if (value == '\\') {
            throw reject(rawTarget, "contains an encoded '\\' (%5C)", "no backslash in the path");
        }
        if (value < 0x20 || value == 0x7f) {
            throw reject(rawTarget, String.format("contains an encoded control byte (%%%02X)", value),
                    "no control bytes in the path");
        }
        if (value == ';') {
            throw reject(rawTarget, "contains an encoded ';' (%3B)", "a path without ';'");
        }
        if (value == '%' && index + 4 < segment.length() && isHexDigit(segment.charAt(index + 3))
                && isHexDigit(segment.charAt(index + 4))) {
            throw reject(rawTarget, "is double percent-encoded (%25 followed by hex digits)",
                    "each byte encoded at most once");
        }
    }

    private static void requireValidEscapes(String text, String rawTarget) throws InvalidRequestTargetException {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '%') {
                escapedValue(text, i, rawTarget);
                i += 2;
            }
        }
    }

    private static int escapedValue(String text, int percentIndex, String rawTarget)
            throws InvalidRequestTargetException {
        if (percentIndex + 2 >= text.length() || !isHexDigit(text.charAt(percentIndex + 1))
                || !isHexDigit(text.charAt(percentIndex + 2))) {
            throw reject(rawTarget, "contains an invalid percent-escape", "'%' followed by two hex digits");
        }
        return Character.digit(text.charAt(percentIndex + 1), 16) * 16 + Character.digit(text.charAt(percentIndex + 2),
                16);
    }

    private static boolean isHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0;
    }

    private static boolean isSubDelimiter(char c) {
        return "!$&'()*+,;=".indexOf(c) >= 0;
    }

    private static InvalidRequestTargetException reject(String rawTarget, String problem, String expected) {
        return new InvalidRequestTargetException(
                "request-target " + quote(rawTarget) + " " + problem + " (expected: " + expected + ")");
    }

    /** Quotes {@code text} for a message, escaping bytes outside printable ASCII and truncating long targets. */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        int end = Math.min(text.length(), MAX_QUOTED_LENGTH);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                quoted.append(String.format(c > 0xff ? "\\u%04X" : "\\x%02X", (int) c));
            } else {
                quoted.append(c);
            }
        }
        if (text.length() > MAX_QUOTED_LENGTH) {
            quoted.append("...");
        }
        return quoted.append('"').toString();
    }
}
