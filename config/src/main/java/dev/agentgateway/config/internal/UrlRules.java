package dev.agentgateway.config.internal;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/** URL parsing and host checks that never resolve host names, so loading a configuration sends no DNS queries. */
final class UrlRules {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    private UrlRules() {
    }

    /** Returns {@code text} parsed as an absolute URI, or {@code null} when it is not one. */
    static URI parseAbsolute(String text) {
        try {
            URI uri = new URI(text);
            return uri.isAbsolute() && !uri.isOpaque() ? uri : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** Returns the URI's lower-case scheme. */
    static String scheme(URI uri) {
        return uri.getScheme().toLowerCase(Locale.ROOT);
    }

    /**
     * Returns whether {@code host}, as returned by {@link URI#getHost()}, is a loopback host: {@code localhost},
     * an address in 127.0.0.0/8 or the IPv6 loopback address.
     */
    static boolean isLoopbackHost(String host) {
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (IPV4.matcher(host).matches()) {
            return host.startsWith("127.");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            String literal = host.substring(1, host.length() - 1);
            return isIpv6Literal(literal) && literalAddress(literal).isLoopbackAddress();
        }
        return false;
    }

    /** Returns whether {@code text} is an IPv6 address literal (without brackets). */
    static boolean isIpv6Literal(String text) {
        return text.contains(":") && IPV6.matcher(text).matches() && literalAddress(text) != null;
    }

    private static InetAddress literalAddress(String literal) {
        try {
            // Only called on text made of hex digits, ':' and '.', which getByName parses without a DNS lookup.
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
