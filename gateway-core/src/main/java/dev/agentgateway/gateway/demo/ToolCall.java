package dev.agentgateway.gateway.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.Objects;
import java.util.Optional;

/**
 * One tool call the {@link ScriptedAgent} made through the gateway and the response it got. It keeps the exact
 * request, credentials included, so the agent can send it again unchanged; {@link #toString()} shows neither.
 */
public final class ToolCall {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpRequest request;
    private final String proofId;
    private final int status;
    private final HttpHeaders responseHeaders;
    private final String responseBody;

    ToolCall(HttpRequest request, String proofId, int status, HttpHeaders responseHeaders, String responseBody) {
        this.request = Objects.requireNonNull(request, "request");
        this.proofId = Objects.requireNonNull(proofId, "proofId");
        this.status = status;
        this.responseHeaders = Objects.requireNonNull(responseHeaders, "responseHeaders");
        this.responseBody = Objects.requireNonNull(responseBody, "responseBody");
    }

    public String method() {
        return request.method();
    }

    /** Returns the request path and query, as sent to the gateway. */
    public String path() {
        String query = request.uri().getRawQuery();
        return request.uri().getRawPath() + (query == null ? "" : "?" + query);
    }

    /** Returns the {@code jti} of the DPoP proof the request carried. */
    public String proofId() {
        return proofId;
    }

    public int status() {
        return status;
    }

    /** Returns the first value of response header {@code name}, or empty when absent. */
    public Optional<String> header(String name) {
        return responseHeaders.firstValue(name);
    }

    /** Returns the media type of the response without parameters, or an empty string when absent. */
    public String mediaType() {
        return header("Content-Type").map(value -> value.split(";", 2)[0].trim()).orElse("");
    }

    public String body() {
        return responseBody;
    }

    /** Parses the response body as JSON; throws {@link IOException} when it is not JSON. */
    public JsonNode json() throws IOException {
        return JSON.readTree(responseBody);
    }

    HttpRequest request() {
        return request;
    }

    @Override
    public String toString() {
        return "ToolCall[" + method() + " " + path() + " -> " + status + "]";
    }
}
