package dev.agentgateway.token;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A token endpoint request as received.
 *
 * @param method request method as received
 * @param endpointUri the token endpoint's public URI, compared with the proof's {@code htu}
 * @param form decoded {@code application/x-www-form-urlencoded} parameters, each with every value it had
 * @param dpopHeaders every {@code DPoP} field value of the request
 */
public record TokenExchangeRequest(String method, URI endpointUri, Map<String, List<String>> form,
        List<String> dpopHeaders) {

    public TokenExchangeRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(endpointUri, "endpointUri");
        form = Map.copyOf(form);
        dpopHeaders = List.copyOf(dpopHeaders);
    }
}
