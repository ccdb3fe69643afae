package dev.agentgateway.gateway.internal.http;

import java.util.Objects;

/**
 * A normalized origin-form request-target. Route lookup, authentication, policy and the upstream request all use
 * exactly this path, so they never disagree about which resource a request names.
 *
 * @param path canonical absolute path: dot segments resolved, unreserved characters decoded, remaining
 *     percent-escapes in upper-case hex
 * @param query raw query without the leading {@code ?}, or {@code null} when the target had no {@code ?}
 */
public record RequestTarget(String path, String query) {

    public RequestTarget {
        Objects.requireNonNull(path, "path");
    }

    /** Returns the path followed by {@code ?} and the query when the target had one. */
    public String pathAndQuery() {
        return query == null ? path : path + '?' + query;
    }
}
