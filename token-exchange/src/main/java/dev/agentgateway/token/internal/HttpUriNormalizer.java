package dev.agentgateway.token.internal;

import java.util.Locale;

/**
 * Normalizes absolute {@code http} and {@code https} URIs for the DPoP {@code htu} comparison of RFC 9449 §4.3,
 * which ignores query and fragment. Two URIs are equivalent when their normalized forms are equal strings.
 *
 * <p>The normalization is the syntax-based one of RFC 3986 §6.2.2 and the scheme-based one of §6.2.3:
 * <ul>
 *   <li>scheme and host in lower case, and the hexadecimal digits of percent-encodings in upper case;</li>
 *   <li>percent-encoded unreserved characters ({@code ALPHA DIGIT - . _ ~}) decoded;</li>
 *   <li>dot segments removed from the path (RFC 3986 §5.2.4);</li>
 *   <li>the default port (80 for http, 443 for https) and an empty port removed, and an empty path written as
 *       {@code /}.</li>
 * </ul>
 * Query and fragment are checked for valid characters and then dropped. User information is kept, so a URI that
 * has some never equals the gateway's own URIs. Anything that is not an RFC 3986 URI with an authority is
 * unparseable. Stateless and thread-safe.
 */
public final class HttpUriNormalizer {

    private static final String GEN_DELIMS = ":/?#[]@";
    private static final String SUB_DELIMS = "!$&'()*+,;=";
    private static final int MAX_PORT = 65535;

    private HttpUriNormalizer() {
    }

    /** Returns the normalized form of {@code uri} without query and fragment, or {@code null} when unparseable. */
    public static String normalize(String uri) {
        if (uri == null || !hasOnlyUriCharacters(uri)) {
            return null;
        }
        String rest = beforeFirst(beforeFirst(uri, '#'), '?');
        int colon = rest.indexOf(':');
        if (colon < 1 || !isScheme(rest.substring(0, colon)) || !rest.startsWith("//", colon + 1)) {
            return null;
        }
        String scheme = rest.substring(0, colon).toLowerCase(Locale.ROOT);
        String hierarchy = rest.substring(colon + 3);
        int slash = hierarchy.indexOf('/');
        String authority = slash < 0 ? hierarchy : hierarchy.substring(0, slash);
        String path = slash < 0 ? "" : hierarchy.substring(slash);

        String normalizedAuthority = authority(scheme, authority);
        if (normalizedAuthority == null) {
            return null;
        }
        String normalizedPath = removeDotSegments(percentEncoding(path, false));
        return scheme + "://" + normalizedAuthority + (normalizedPath.isEmpty() ? "/" : normalizedPath);
    }

    private static String beforeFirst(String text, char delimiter) {
        int index = text.indexOf(delimiter);
        return index < 0 ? text : text.substring(0, index);
    }

    /** Requires RFC 3986 characters only, and two hexadecimal digits after every {@code %}. */
    private static boolean hasOnlyUriCharacters(String uri) {
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '%') {
                if (i + 2 >= uri.length() || !isHex(uri.charAt(i + 1)) || !isHex(uri.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (!isUnreserved(c) && GEN_DELIMS.indexOf(c) < 0 && SUB_DELIMS.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Checks {@code ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )} (RFC 3986 §3.1). */
    private static boolean isScheme(String scheme) {
        if (!isAlpha(scheme.charAt(0))) {
            return false;
        }
        for (int i = 1; i < scheme.length(); i++) {
            char c = scheme.charAt(i);
            if (!isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.') {
                return false;
            }
        }
        return true;
    }

    /** Returns {@code [userinfo@]host[:port]} normalized, or {@code null} when the authority is invalid. */
    private static String authority(String scheme, String authority) {
        int at = authority.indexOf('@');
        if (at != authority.lastIndexOf('@')) {
            return null;
        }
        String userInfo = at < 0 ? null : authority.substring(0, at);
        String hostPort = authority.substring(at + 1);
        if (userInfo != null && (userInfo.indexOf('[') >= 0 || userInfo.indexOf(']') >= 0)) {
            return null;
        }

        int portColon = portSeparator(hostPort);
        if (portColon == -2) {
            return null;
        }
        String host = portColon < 0 ? hostPort : hostPort.substring(0, portColon);
        String port = portColon < 0 ? "" : hostPort.substring(portColon + 1);
        String normalizedHost = host(host);
        String normalizedPort = port(scheme, port);
        if (normalizedHost == null || normalizedPort == null) {
            return null;
        }
        String prefix = userInfo == null ? "" : percentEncoding(userInfo, false) + "@";
        return prefix + normalizedHost + normalizedPort;
    }

    /** Returns the index of the colon before the port, -1 when there is no port, -2 when malformed. */
    private static int portSeparator(String hostPort) {
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                return -2;
            }
            if (close == hostPort.length() - 1) {
                return -1;
            }
            return hostPort.charAt(close + 1) == ':' ? close + 1 : -2;
        }
        if (hostPort.indexOf('[') >= 0 || hostPort.indexOf(']') >= 0) {
            return -2;
        }
        int colon = hostPort.indexOf(':');
        if (colon >= 0 && hostPort.indexOf(':', colon + 1) >= 0) {
            return -2;
        }
        return colon;
    }

    /** Returns the host in lower case, or {@code null} when empty or not an IPv6 literal, IPv4 address or name. */
    private static String host(String host) {
        if (host.isEmpty()) {
            return null;
        }
        if (host.startsWith("[")) {
            String address = host.substring(1, host.length() - 1);
            boolean ipv6Characters = !address.isEmpty()
                    && address.chars().allMatch(c -> isHex((char) c) || c == ':' || c == '.');
            return ipv6Characters ? host.toLowerCase(Locale.ROOT) : null;
        }
        if (host.indexOf(':') >= 0) {
            return null;
        }
        return percentEncoding(host, true);
    }

    /** Returns {@code :port}, or {@code ""} for an empty or default port, or {@code null} when invalid. */
    private static String port(String scheme, String port) {
        if (port.isEmpty()) {
            return "";
        }
        if (port.length() > 5 || !port.chars().allMatch(c -> isDigit((char) c))) {
            return null;
        }
        int number = Integer.parseInt(port);
        if (number > MAX_PORT) {
            return null;
        }
        boolean defaultPort = (scheme.equals("http") && number == 80) || (scheme.equals("https") && number == 443);
        return defaultPort ? "" : ":" + number;
    }

    /**
     * Decodes percent-encoded unreserved characters and writes the hexadecimal digits of the remaining
     * percent-encodings in upper case (RFC 3986 §6.2.2.1 and §6.2.2.2). {@code lowerCase} also lowers every other
     * letter, for the host.
     */
    private static String percentEncoding(String text, boolean lowerCase) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '%') {
                out.append(lowerCase ? Character.toLowerCase(c) : c);
                continue;
            }
            char decoded = (char) Integer.parseInt(text.substring(i + 1, i + 3), 16);
            if (isUnreserved(decoded)) {
                out.append(lowerCase ? Character.toLowerCase(decoded) : decoded);
            } else {
                out.append('%').append(text.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
            }
            i += 2;
        }
        return out.toString();
    }

    /** Applies the {@code remove_dot_segments} algorithm of RFC 3986 §5.2.4. */
    static String removeDotSegments(String path) {
        String input = path;
        StringBuilder output = new StringBuilder(path.length());
        while (!input.isEmpty()) {
            if (input.startsWith("../")) {
                input = input.substring(3);
            } else if (input.startsWith("./")) {
                input = input.substring(2);
            } else if (input.startsWith("/./")) {
                input = input.substring(2);
            } else if (input.equals("/.")) {
                input = "/";
            } else if (input.startsWith("/../")) {
                input = input.substring(3);
                removeLastSegment(output);
            } else if (input.equals("/..")) {
                input = "/";
                removeLastSegment(output);
            } else if (input.equals(".") || input.equals("..")) {
                input = "";
            } else {
                int next = input.indexOf('/', input.startsWith("/") ? 1 : 0);
                int end = next < 0 ? input.length() : next;
                output.append(input, 0, end);
                input = input.substring(end);
            }
        }
        return output.toString();
    }

    private static void removeLastSegment(StringBuilder output) {
        int slash = output.lastIndexOf("/");
        output.setLength(Math.max(slash, 0));
    }

    private static boolean isUnreserved(char c) {
        return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static boolean isAlpha(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHex(char c) {
        return isDigit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    }
}
