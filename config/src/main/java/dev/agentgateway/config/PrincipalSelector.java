package dev.agentgateway.config;

import java.util.Objects;
import java.util.Set;

/**
 * Which principals a rule selects. All given conditions must hold; an empty set places no condition.
 *
 * @param principalClass minimum principal class: {@code anonymous} (anyone), {@code authenticated} or
 *     {@code operator}
 * @param issuers subject token issuers, any of which matches
 * @param subjects subject identifiers, any of which matches
 * @param groups group names, any of which matches
 */
public record PrincipalSelector(String principalClass, Set<String> issuers, Set<String> subjects, Set<String> groups) {

    public PrincipalSelector {
        Objects.requireNonNull(principalClass, "principalClass");
        issuers = Set.copyOf(issuers);
        subjects = Set.copyOf(subjects);
        groups = Set.copyOf(groups);
    }
}
