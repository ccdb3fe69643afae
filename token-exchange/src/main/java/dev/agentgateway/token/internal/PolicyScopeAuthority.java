package dev.agentgateway.token.internal;

import dev.agentgateway.policy.Policy;
import dev.agentgateway.policy.Principal;
import dev.agentgateway.policy.PrincipalClass;
import java.util.Objects;
import java.util.Set;

/** Adapts the configured {@link Policy} to {@link ScopeAuthority}. */
public final class PolicyScopeAuthority implements ScopeAuthority {

    private final Policy policy;

    public PolicyScopeAuthority(Policy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    @Override
    public Set<String> grantableScopes(Principal principal, String tool) {
        return policy.grantableScopes(principal, tool);
    }

    @Override
    public PrincipalClass classify(Principal principal) {
        return policy.classify(principal);
    }
}
