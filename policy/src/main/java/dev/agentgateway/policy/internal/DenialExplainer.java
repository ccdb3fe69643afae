package dev.agentgateway.policy.internal;

import dev.agentgateway.config.OperatorConfig;
import dev.agentgateway.policy.AccessRequest;
import dev.agentgateway.policy.Decision;
import dev.agentgateway.policy.MissingAuthority;
import dev.agentgateway.policy.Principal;
import dev.agentgateway.policy.PrincipalClass;
import dev.agentgateway.policy.StepUpChallenge;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Builds the denial for a request no rule admitted. The candidate rules are those whose tool, method and path
 * match. The denial names the first candidate that a missing authority would unlock, trying authentication, then a
 * step-up login, then operator mode, then a scope. When none would, it reports {@link MissingAuthority#RULE}.
 */
public final class DenialExplainer {

    private final OperatorConfig operator;
    private final String policyHash;

    public DenialExplainer(OperatorConfig operator, String policyHash) {
        this.operator = operator;
        this.policyHash = policyHash;
    }

    /**
     * Returns the denial of {@code request}.
     *
     * @param principalClass class the principal was evaluated as
     * @param candidates rules whose tool, method and path match the request, in policy order
     * @param onCall whether the principal is in one of the on-call groups
     */
    public Decision explain(AccessRequest request, PrincipalClass principalClass, List<CompiledRule> candidates,
            boolean onCall) {
        String target = ReasonText.target(request.method(), request.path(), request.tool());
        Principal principal = request.principal();
        if (candidates.isEmpty()) {
            return deny(MissingAuthority.RULE, null, target + " matches no rule.", principalClass, null);
        }
        if (principal.isAnonymous()) {
            CompiledRule rule = candidates.get(0);
            return deny(MissingAuthority.AUTHENTICATION, rule.id(), target + " requires authentication"
                    + ruleNote(rule) + ": the request carried no credentials.", principalClass, null);
        }
        for (CompiledRule rule : candidates) {
            if (needsOperator(rule, principalClass) && onCall && rule.identityConditionsHold(principal)) {
                StepUpChallenge challenge = new StepUpChallenge(operator.acrValues(), operator.maxAuthAge());
                return deny(MissingAuthority.STEP_UP, rule.id(), target + " requires operator mode"
                        + ruleNote(rule) + ": " + stepUpDetail(principal) + ".", principalClass, challenge);
            }
        }
        for (CompiledRule rule : candidates) {
            if (needsOperator(rule, principalClass) && rule.identityConditionsHold(principal)) {
                return deny(MissingAuthority.OPERATOR_MODE, rule.id(), target + " requires operator mode"
                        + ruleNote(rule) + ": the principal is not in an on-call group.", principalClass, null);
            }
        }
        for (CompiledRule rule : candidates) {
            if (rule.scope() != null && rule.selects(principal, principalClass)) {
                return deny(MissingAuthority.SCOPE, rule.id(), target + " requires scope "
                        + ReasonText.quoted(rule.scope()) + ruleNote(rule)
                        + ": the capability token does not carry it.", principalClass, null);
            }
        }
        CompiledRule closest = candidates.get(0);
        return deny(MissingAuthority.RULE, closest.id(), target + " is not allowed for this principal"
                + ruleNote(closest) + ": the rule's issuer, subject or group conditions do not hold.",
                principalClass, null);
    }

    private static boolean needsOperator(CompiledRule rule, PrincipalClass principalClass) {
        return rule.minimumClass() == PrincipalClass.OPERATOR && principalClass != PrincipalClass.OPERATOR;
    }

    private static String ruleNote(CompiledRule rule) {
        return " (rule " + ReasonText.quoted(rule.id()) + ")";
    }

    private String stepUpDetail(Principal principal) {
        TreeSet<String> missingAmr = new TreeSet<>(operator.requiredAmr());
        missingAmr.removeAll(principal.amr());
        if (!missingAmr.isEmpty()) {
            String methods = missingAmr.stream().map(ReasonText::quoted).collect(Collectors.joining(", "));
            return "the principal is on call but the login did not use " + methods;
        }
        if (principal.authTime() == null) {
            return "the principal is on call but the login time (auth_time) is unknown";
        }
        return "the principal is on call but the login is older than " + operator.maxAuthAge();
    }

    private Decision deny(MissingAuthority missing, String ruleId, String reason, PrincipalClass principalClass,
            StepUpChallenge stepUp) {
        return new Decision(false, ruleId, missing, reason, principalClass, stepUp, policyHash);
    }
}
