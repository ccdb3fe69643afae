package dev.agentgateway.gateway.sample;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One request as the sample tool received it.
 *
 * <p>The header values are kept as received so a test can inspect a forwarded {@code Txn-Token}. They may include
 * credentials that should never have reached the backend, so {@link #toString()} lists header names only.
 *
 * @param receivedAt time the tool started handling the request
 * @param method request method
 * @param path raw request path, without the query
 * @param headers header fields by lower-case name, sorted by name, each with every value in the order received
 */
public record RecordedRequest(Instant receivedAt, String method, String path, Map<String, List<String>> headers) {

    public RecordedRequest {
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        headers = copyWithLowerCaseNames(headers);
    }

    /** Returns the lower-case names of the received header fields, sorted. */
    public Set<String> headerNames() {
        return headers.keySet();
    }

    /** Returns whether a header field named {@code name} (any case) was received. */
    public boolean hasHeader(String name) {
        return headers.containsKey(name.toLowerCase(Locale.ROOT));
    }

    /** Returns the first value of the header field named {@code name} (any case), or empty when absent. */
    public Optional<String> firstHeader(String name) {
        List<String> values = headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        return values.stream().findFirst();
    }

    @Override
    public String toString() {
        return "RecordedRequest[" + method + " " + path + ", headers=" + headers.keySet() + "]";
    }

    private static Map<String, List<String>> copyWithLowerCaseNames(Map<String, List<String>> headers) {
        Map<String, List<String>> copy = new TreeMap<>();
        headers.forEach((name, values) -> copy
                .computeIfAbsent(name.toLowerCase(Locale.ROOT), key -> new ArrayList<>())
                .addAll(values));
        copy.replaceAll((name, values) -> List.copyOf(values));
        return Collections.unmodifiableMap(copy);
    }
}
