package dev.agentgateway.token;

import java.util.Set;
import java.util.stream.Collectors;

/** Formats the {@code WWW-Authenticate: DPoP} challenge of RFC 9449 §7.1. */
public final class DPoPChallenge {

    /** Maximum length of a sent {@code error_description}. Longer descriptions are cut. */
    static final int MAX_DESCRIPTION_LENGTH = 200;

    private DPoPChallenge() {
    }

    /**
     * Returns the challenge value for a failed or missing authentication.
     *
     * @param error the failure, or {@code null} when the request carried no credentials (no {@code error} then)
     * @param algorithms accepted proof algorithms, sent as {@code algs}
     */
    public static String header(OAuthException error, Set<String> algorithms) {
        String algs = algorithms.stream()
                .filter(DPoPChallenge::isAlgorithmName)
                .collect(Collectors.joining(" "));
        StringBuilder challenge = new StringBuilder("DPoP algs=\"").append(algs).append('"');
        if (error != null) {
            challenge.append(", error=\"").append(error.code().wireName()).append('"');
            challenge.append(", error_description=\"").append(quotedStringContent(error.description())).append('"');
        }
        return challenge.toString();
    }

    private static boolean isAlgorithmName(String name) {
        return name != null && !name.isEmpty() && name.chars().allMatch(c -> (c >= 'A' && c <= 'Z')
                || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
    }

    /**
     * Returns {@code text} safe for an RFC 9110 quoted-string: printable ASCII only, {@code "} replaced by
     * {@code '}, {@code \} dropped, other characters replaced by a space, and at most
     * {@link #MAX_DESCRIPTION_LENGTH} characters.
     */
    static String quotedStringContent(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_DESCRIPTION_LENGTH));
        for (int i = 0; i < text.length() && out.length() < MAX_DESCRIPTION_LENGTH; i++) {
            char c = text.charAt(i);
            if (c == '"') {
                out.append('\'');
            } else if (c == '\\') {
                continue;
            } else if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(' ');
            }
        }
        return out.toString();
    }
}
