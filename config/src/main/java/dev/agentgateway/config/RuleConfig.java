package dev.agentgateway.config;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One allow rule.
 *
 * @param id unique rule identifier, recorded with every decision the rule makes
 * @param principals which principals the rule applies to
 * @param tool tool name the rule applies to
 * @param methods HTTP methods in upper case, at least one
 * @param paths path patterns relative to the route prefix, at least one: {@code *} matches one segment,
 *     a trailing {@code **} matches any remainder, for example {@code nodes/*}{@code /drain}
 * @param scope scope the capability token must carry for the rule to apply, and which the token endpoint may
 *     grant to principals the rule selects; {@code null} means none is required
 */
public record RuleConfig(
        String id,
        PrincipalSelector principals,
        String tool,
        Set<String> methods,
        List<String> paths,
        String scope) {

    public RuleConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(principals, "principals");
        Objects.requireNonNull(tool, "tool");
        methods = Set.copyOf(methods);
        paths = List.copyOf(paths);
    }
}
