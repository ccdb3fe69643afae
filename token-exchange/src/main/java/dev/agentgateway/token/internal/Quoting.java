package dev.agentgateway.token.internal;

/** Renders untrusted values for error descriptions: quoted, control characters escaped, length capped. */
public final class Quoting {

    private static final int MAX_VISIBLE_LENGTH = 80;

    private Quoting() {
    }

    /** Returns {@code value} in double quotes, with control characters, quotes and backslashes escaped. */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_VISIBLE_LENGTH) + 8).append('"');
        int visibleLength = Math.min(value.length(), MAX_VISIBLE_LENGTH);
        for (int i = 0; i < visibleLength; i++) {
            appendEscaped(out, value.charAt(i));
        }
        if (value.length() > MAX_VISIBLE_LENGTH) {
            out.append("...");
        }
        return out.append('"').toString();
    }

    private static void appendEscaped(StringBuilder out, char c) {
        if (c == '"' || c == '\\') {
            out.append('\\').append(c);
        } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
        } else {
            out.append(c);
        }
    }
}
