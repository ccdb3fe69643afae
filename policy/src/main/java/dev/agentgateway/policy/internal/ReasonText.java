package dev.agentgateway.policy.internal;

import java.nio.charset.StandardCharsets;

/**
 * Renders request values for decision reasons. Reasons travel in problem details (JSON) and audit records, so
 * values taken from the request are reduced to printable ASCII: control characters are dropped, and quotes,
 * backslashes, spaces and non-ASCII characters are percent-encoded.
 */
public final class ReasonText {

    /** Maximum length of a rendered path. Longer paths are cut and end in {@code ...}. */
    static final int MAX_PATH_CHARS = 200;

    private ReasonText() {
    }

    /** Returns {@code method path on tool "tool"}, with every value made safe to embed. */
    public static String target(String method, String path, String tool) {
        return printable(method, 32) + " " + (path.isEmpty() ? "/" : printable(path, MAX_PATH_CHARS))
                + " on tool " + quoted(tool);
    }

    /** Returns {@code value} in double quotes, made safe to embed. */
    public static String quoted(String value) {
        return "\"" + printable(value, MAX_PATH_CHARS) + "\"";
    }

    /** Returns {@code value} with control characters removed and unsafe characters percent-encoded. */
    static String printable(String value, int maxChars) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), maxChars) + 8);
        value.codePoints().forEach(codePoint -> appendPrintable(out, codePoint));
        if (out.length() > maxChars) {
            out.setLength(maxChars);
            out.append("...");
        }
        return out.toString();
    }

    private static void appendPrintable(StringBuilder out, int codePoint) {
        if (Character.isISOControl(codePoint) || Character.getType(codePoint) == Character.FORMAT) {
            return;
        }
        if (codePoint > ' ' && codePoint < 0x7f && codePoint != '"' && codePoint != '\\' && codePoint != '%') {
            out.append((char) codePoint);
            return;
        }
        for (byte b : new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8)) {
            out.append('%').append(String.format("%02X", b & 0xff));
        }
    }
}
