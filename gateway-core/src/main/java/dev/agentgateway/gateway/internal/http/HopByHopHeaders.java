package dev.agentgateway.gateway.internal.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes the hop-by-hop fields of RFC 9110 §7.6.1 that a proxy must not forward. Framing fields are removed too,
 * because the caller rebuilds the framing of the forwarded message from the decoded one.
 */
public final class HopByHopHeaders {

    private HopByHopHeaders() {
    }

    /**
     * Removes {@code Connection}, the fields it lists, the fixed hop-by-hop fields and the framing fields from
     * {@code headers}. A listed field the gateway owns is left for the caller, which drops or replaces it, so
     * {@code Connection} never decides what the gateway sends.
     */
    public static void remove(HttpHeaders headers) {
        for (String listed : GatewayHeaders.connectionOptions(headers)) {
            if (!GatewayHeaders.isProtectedOption(listed)) {
                headers.remove(listed);
            }
        }
        List<String> removed = new ArrayList<>();
        for (String name : headers.names()) {
            if (GatewayHeaders.isHopByHop(name) || GatewayHeaders.isFraming(name)) {
                removed.add(name);
            }
        }
        removed.forEach(headers::remove);
    }
}
