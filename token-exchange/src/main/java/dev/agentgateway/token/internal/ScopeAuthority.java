package dev.agentgateway.token.internal;

import dev.agentgateway.policy.Principal;
import dev.agentgateway.policy.PrincipalClass;
import java.util.Set;

/** The part of policy the token endpoint consults: which scopes a principal may hold, and its class. */
public interface ScopeAuthority {

    /** Returns the scopes the token endpoint may grant {@code principal} for {@code tool}, possibly none. */
    Set<String> grantableScopes(Principal principal, String tool);

    /** Returns the class {@code principal} belongs to now. */
    PrincipalClass classify(Principal principal);
}
