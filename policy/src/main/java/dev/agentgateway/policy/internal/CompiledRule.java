package dev.agentgateway.policy.internal;

import dev.agentgateway.config.PrincipalSelector;
import dev.agentgateway.config.RuleConfig;
import dev.agentgateway.policy.Principal;
import dev.agentgateway.policy.PrincipalClass;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A validated allow rule with its path patterns compiled.
 *
 * @param id rule id
 * @param tool tool name the rule applies to
 * @param methods HTTP methods, matched case-sensitively
 * @param paths compiled path patterns, any of which matches
 * @param minimumClass least principal class the rule admits
 * @param issuers issuer condition; empty places none
 * @param subjects subject condition; empty places none
 * @param groups group condition; empty places none
 * @param scope scope the request must carry, or {@code null}
 */
public record CompiledRule(String id, String tool, Set<String> methods, List<PathPattern> paths,
        PrincipalClass minimumClass, Set<String> issuers, Set<String> subjects, Set<String> groups, String scope) {

    private static final Pattern METHOD = Pattern.compile("[A-Z][A-Z0-9_-]*");

    /**
     * Validates and compiles {@code rule}.
     *
     * @throws IllegalArgumentException when the rule has no methods or paths, a method is not an upper-case token,
     *     a path pattern is invalid or the principal class is unknown
     */
    public static CompiledRule compile(RuleConfig rule) {
        if (rule.methods().isEmpty()) {
            throw new IllegalArgumentException("rule \"" + rule.id() + "\": methods is empty (expected: at least one)");
        }
        for (String method : rule.methods()) {
            if (!METHOD.matcher(method).matches()) {
                throw new IllegalArgumentException("rule \"" + rule.id() + "\": method \"" + method
                        + "\" is not an upper-case token (expected: for example GET)");
            }
        }
        if (rule.paths().isEmpty()) {
            throw new IllegalArgumentException("rule \"" + rule.id() + "\": paths is empty (expected: at least one)");
        }
        List<PathPattern> patterns = compilePaths(rule);
        PrincipalClass minimumClass = PrincipalClass.fromWireName(rule.principals().principalClass());
        PrincipalSelector principals = rule.principals();
        return new CompiledRule(rule.id(), rule.tool(), rule.methods(), patterns, minimumClass, principals.issuers(),
                principals.subjects(), principals.groups(), rule.scope());
    }

    private static List<PathPattern> compilePaths(RuleConfig rule) {
        try {
            return rule.paths().stream().map(PathPattern::compile).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rule \"" + rule.id() + "\": " + e.getMessage(), e);
        }
    }

    /** Returns whether the rule's tool, method and path match; the principal is not considered. */
    public boolean matchesTarget(String requestTool, String method, String path) {
        if (!tool.equals(requestTool) || !methods.contains(method)) {
            return false;
        }
        for (PathPattern pattern : paths) {
            if (pattern.matches(path)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns whether the issuer, subject and group conditions hold for {@code principal}. An empty condition always
     * holds; a non-empty one never holds for the anonymous principal.
     */
    public boolean identityConditionsHold(Principal principal) {
        if (principal.isAnonymous()) {
            return issuers.isEmpty() && subjects.isEmpty() && groups.isEmpty();
        }
        return (issuers.isEmpty() || issuers.contains(principal.issuer()))
                && (subjects.isEmpty() || subjects.contains(principal.subject()))
                && (groups.isEmpty() || !Collections.disjoint(groups, principal.groups()));
    }

    /** Returns whether the rule selects a principal of class {@code principalClass} meeting its conditions. */
    public boolean selects(Principal principal, PrincipalClass principalClass) {
        return principalClass.compareTo(minimumClass) >= 0 && identityConditionsHold(principal);
    }
}
