package dev.agentgateway.gateway.internal.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Formats headers for a log line with credential values masked. Never log an {@code HttpHeaders} or
 * {@code HttpRequest} directly: their {@code toString()} prints every value, {@code Authorization} included.
 */
public final class HeaderSanitizer {

    private static final Set<String> MASKED = Set.of("authorization", "dpop", "cookie", "set-cookie",
            "proxy-authorization", "txn-token");
    private static final String MASK = "<masked>";

    private HeaderSanitizer() {
    }

    /** Returns {@code name: value} lines joined by {@code ", "}, with credential values replaced by a mask. */
    public static String describe(HttpHeaders headers) {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> header : headers) {
            if (text.length() > 0) {
                text.append(", ");
            }
            text.append(header.getKey()).append(": ").append(maskedValue(header.getKey(), header.getValue()));
        }
        return text.toString();
    }

    /** Returns {@code value}, or a mask when {@code name} is a credential field. */
    public static String maskedValue(String name, String value) {
        return MASKED.contains(name.toLowerCase(Locale.ROOT)) ? MASK : value;
    }
}
