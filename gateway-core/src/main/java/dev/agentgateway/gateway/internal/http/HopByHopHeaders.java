package dev.agentgateway.gateway.internal.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Removes the hop-by-hop fields of RFC 9110 §7.6.1 that a proxy must not forward. */
public final class HopByHopHeaders {

    private static final List<CharSequence> FIXED = List.of(
            HttpHeaderNames.CONNECTION,
            HttpHeaderNames.KEEP_ALIVE,
            HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER,
            HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_CONNECTION);

    private HopByHopHeaders() {
    }

    /** Removes {@code Connection}, every field it lists, and the fixed hop-by-hop fields from {@code headers}. */
    public static void remove(HttpHeaders headers) {
        for (String listed : connectionOptions(headers)) {
            headers.remove(listed);
        }
        for (CharSequence name : FIXED) {
            headers.remove(name);
        }
    }

    /** Returns the field names listed in every {@code Connection} field, lower-cased. */
    static List<String> connectionOptions(HttpHeaders headers) {
        List<String> options = new ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String trimmed = token.trim();
                if (!trimmed.isEmpty()) {
                    options.add(trimmed.toLowerCase(Locale.ROOT));
                }
            }
        }
        return options;
    }
}
