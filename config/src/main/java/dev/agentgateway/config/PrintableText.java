package dev.agentgateway.config;

/**
 * Finds characters that must not appear in values that become identities, headers, tokens or log lines. Three
 * kinds are rejected:
 *
 * <ul>
 *   <li>control characters: C0, DEL, C1 and the Unicode line and paragraph separators U+2028 and U+2029, which
 *       some JSON and JavaScript consumers treat as line breaks.</li>
 *   <li>unpaired UTF-16 surrogates, which are not Unicode scalar values. Encoding them as UTF-8 replaces them with
 *       {@code ?}, so the value would change between two records of the same call.</li>
 *   <li>invisible formatting characters: zero-width characters and directional marks (U+200B to U+200F), bidi
 *       embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069) and U+FEFF, which make two
 *       different identities look the same in logs and policy files.</li>
 * </ul>
 */
public final class PrintableText {

    private PrintableText() {
    }

    /** Returns the index of the first rejected character in {@code value}, or -1 when there is none. */
    public static int firstRejectedCharacter(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
                continue;
            }
            if (Character.isSurrogate(c) || isControl(c) || isInvisibleFormat(c)) {
                return i;
            }
        }
        return -1;
    }

    /** Returns whether {@code c} is a control character in the sense of this class. */
    public static boolean isControl(char c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
    }

    /** Returns whether {@code c} is a zero-width, directional or byte order mark character. */
    static boolean isInvisibleFormat(char c) {
        return (c >= '\u200B' && c <= '\u200F') || (c >= '\u202A' && c <= '\u202E')
                || (c >= '\u2066' && c <= '\u2069') || c == '\uFEFF';
    }

    /**
     * Describes the rejected character at {@code index}, for example {@code control character U+000A at index 5}
     * or {@code unpaired surrogate U+D800 at index 1}.
     */
    public static String describe(String value, int index) {
        char c = value.charAt(index);
        String kind;
        if (Character.isSurrogate(c)) {
            kind = "unpaired surrogate";
        } else if (isInvisibleFormat(c)) {
            kind = "invisible formatting character";
        } else {
            kind = "control character";
        }
        return String.format("%s U+%04X at index %d", kind, (int) c, index);
    }
}
