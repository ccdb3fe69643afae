package dev.agentgateway.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Definition of operator mode: an authenticated principal is an operator only when its subject token names one
 * of {@code groups} and its {@code amr} contains every method in {@code requiredAmr}.
 *
 * @param groups on-call group names, at least one
 * @param requiredAmr authentication methods (RFC 8176) the login must have used, for example {@code hwk}
 * @param maxAuthAge maximum age of the login ({@code auth_time}); {@code null} means no limit
 * @param acrValues {@code acr_values} sent in the RFC 9470 step-up challenge, or {@code null}
 */
public record OperatorConfig(Set<String> groups, Set<String> requiredAmr, Duration maxAuthAge, String acrValues) {

    public OperatorConfig {
        groups = Set.copyOf(groups);
        requiredAmr = Set.copyOf(requiredAmr);
        Objects.requireNonNull(groups, "groups");
    }
}
