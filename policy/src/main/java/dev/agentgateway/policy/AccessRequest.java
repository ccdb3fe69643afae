package dev.agentgateway.policy;

import java.util.Objects;
import java.util.Set;

/**
 * A tool call to decide on.
 *
 * @param principal verified principal, {@link Principal#anonymous()} when the call carried no credentials
 * @param actor agent acting for the principal, or {@code null}
 * @param tool tool name of the matched route
 * @param method HTTP method in upper case
 * @param path normalized request path relative to the route prefix, without a leading {@code /}
 * @param scopes scopes granted by the capability token; empty for anonymous calls
 */
public record AccessRequest(Principal principal, Actor actor, String tool, String method, String path,
        Set<String> scopes) {

    public AccessRequest {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(tool, "tool");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        scopes = Set.copyOf(scopes);
    }
}
