package dev.agentgateway.policy;

import dev.agentgateway.config.OperatorConfig;
import dev.agentgateway.config.PolicyConfig;
import dev.agentgateway.config.RuleConfig;
import dev.agentgateway.policy.internal.CanonicalPolicy;
import dev.agentgateway.policy.internal.CompiledRule;
import dev.agentgateway.policy.internal.DenialExplainer;
import dev.agentgateway.policy.internal.ReasonText;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/** Deny-by-default access policy built from {@link PolicyConfig}. Immutable and thread-safe. */
public final class Policy {

    private final OperatorConfig operator;
    private final List<CompiledRule> rules;
    private final Clock clock;
    private final String hash;

    private Policy(OperatorConfig operator, List<CompiledRule> rules, Clock clock, String hash) {
        this.operator = operator;
        this.rules = rules;
        this.clock = clock;
        this.hash = hash;
    }

    /**
     * Builds a policy that reads {@code clock} for {@code auth_time} checks.
     *
     * @throws IllegalArgumentException for invalid rules: bad patterns, methods or classes, duplicate ids, or
     *     operator rules while no on-call group is configured
     */
    public static Policy from(PolicyConfig config, Clock clock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        Set<String> ids = new HashSet<>();
        List<CompiledRule> compiled = new ArrayList<>(config.rules().size());
        for (RuleConfig rule : config.rules()) {
            if (!ids.add(rule.id())) {
                throw new IllegalArgumentException(
                        "rule id \"" + rule.id() + "\" is used twice (expected: unique ids)");
            }
            compiled.add(CompiledRule.compile(rule));
        }
        boolean needsOperators = compiled.stream().anyMatch(r -> r.minimumClass() == PrincipalClass.OPERATOR);
        if (needsOperators && config.operator().groups().isEmpty()) {
            throw new IllegalArgumentException(
                    "operator.groups is empty but a rule requires class operator (expected: at least one group)");
        }
        return new Policy(config.operator(), List.copyOf(compiled), clock, CanonicalPolicy.sha256Hex(config));
    }

    /** Decides one tool call. Never returns an allow unless a rule matched it. */
    public Decision decide(AccessRequest request) {
        Objects.requireNonNull(request, "request");
        PrincipalClass principalClass = classify(request.principal());
        for (CompiledRule rule : rules) {
            if (admits(rule, request, principalClass)) {
                String reason = ReasonText.target(request.method(), request.path(), request.tool())
                        + " is allowed by rule " + ReasonText.quoted(rule.id()) + ".";
                return new Decision(true, rule.id(), null, reason, principalClass, null, hash);
            }
        }
        return new DenialExplainer(operator, hash).explain(request, principalClass, candidates(request),
                isOnCall(request.principal()));
    }

    private static boolean admits(CompiledRule rule, AccessRequest request, PrincipalClass principalClass) {
        return rule.matchesTarget(request.tool(), request.method(), request.path())
                && rule.selects(request.principal(), principalClass)
                && (rule.scope() == null || request.scopes().contains(rule.scope()));
    }

    private List<CompiledRule> candidates(AccessRequest request) {
        return rules.stream()
                .filter(rule -> rule.matchesTarget(request.tool(), request.method(), request.path()))
                .toList();
    }

    /** Returns the class {@code principal} belongs to at the time of the call. */
    public PrincipalClass classify(Principal principal) {
        Objects.requireNonNull(principal, "principal");
        if (principal.isAnonymous()) {
            return PrincipalClass.ANONYMOUS;
        }
        if (isOnCall(principal) && loginIsStrong(principal) && loginIsRecent(principal)) {
            return PrincipalClass.OPERATOR;
        }
        return PrincipalClass.AUTHENTICATED;
    }

    private boolean isOnCall(Principal principal) {
        return !principal.isAnonymous() && !Collections.disjoint(principal.groups(), operator.groups());
    }

    private boolean loginIsStrong(Principal principal) {
        return principal.amr().containsAll(operator.requiredAmr());
    }

    private boolean loginIsRecent(Principal principal) {
        if (operator.maxAuthAge() == null) {
            return true;
        }
        Instant authTime = principal.authTime();
        return authTime != null && !authTime.isBefore(clock.instant().minus(operator.maxAuthAge()));
    }

    /**
     * Returns the scopes the token endpoint may grant {@code principal} for {@code tool}: the scopes of every rule
     * for that tool whose principal selector matches, sorted.
     */
    public Set<String> grantableScopes(Principal principal, String tool) {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(tool, "tool");
        PrincipalClass principalClass = classify(principal);
        Set<String> scopes = new TreeSet<>();
        for (CompiledRule rule : rules) {
            if (rule.tool().equals(tool) && rule.scope() != null && rule.selects(principal, principalClass)) {
                scopes.add(rule.scope());
            }
        }
        return Collections.unmodifiableSet(scopes);
    }

    /** Returns the SHA-256 of the policy's canonical form, hex encoded. */
    public String hash() {
        return hash;
    }
}
