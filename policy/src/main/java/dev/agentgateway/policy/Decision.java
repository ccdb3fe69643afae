package dev.agentgateway.policy;

import java.util.Objects;

/**
 * Outcome of a policy evaluation.
 *
 * @param allowed whether the request may proceed
 * @param ruleId id of the rule that allowed the request, or of the closest rule that would have allowed it on a
 *     denial; {@code null} on a denial no rule came near
 * @param missingAuthority on a denial, what the request lacked; {@code null} when allowed
 * @param reason one readable sentence explaining the decision, safe to return to the caller
 * @param principalClass class the principal was evaluated as
 * @param stepUp on a {@link MissingAuthority#STEP_UP} denial, the challenge parameters; otherwise {@code null}
 * @param policyHash SHA-256 of the policy the decision was made under, hex encoded
 */
public record Decision(boolean allowed, String ruleId, MissingAuthority missingAuthority, String reason,
        PrincipalClass principalClass, StepUpChallenge stepUp, String policyHash) {

    public Decision {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(principalClass, "principalClass");
        Objects.requireNonNull(policyHash, "policyHash");
        if (allowed == (missingAuthority != null)) {
            throw new IllegalArgumentException("a denial needs a missing authority and an allow must not have one");
        }
    }
}
