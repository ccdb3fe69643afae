package dev.agentgateway.token.internal;

/**
 * Finds control characters in values that end up in headers, tokens or log lines: C0, DEL, C1 and the Unicode
 * line and paragraph separators U+2028 and U+2029, which some JSON and JavaScript consumers treat as line breaks.
 */
public final class PrintableText {

    private PrintableText() {
    }

    /** Returns the index of the first control character in {@code value}, or -1 when there is none. */
    public static int firstControlCharacter(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (isControl(value.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** Returns whether {@code c} is a control character in the sense of this class. */
    public static boolean isControl(char c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
    }

    /** Describes the control character at {@code index}, for example {@code U+000A at index 5}. */
    public static String describe(String value, int index) {
        return String.format("U+%04X at index %d", (int) value.charAt(index), index);
    }
}
