package dev.agentgateway.gateway.internal;

import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.config.PrincipalSelector;
import dev.agentgateway.config.RuleConfig;
import dev.agentgateway.config.TrustedIssuerConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds policy rules that can never match because no trusted issuer can authenticate the principals they
 * select. Such a rule is valid configuration but almost always a mistake, so the gateway warns about it at start.
 */
public final class UnreachableRules {

    private UnreachableRules() {
    }

    /** Returns one warning per kind of unreachable rule in {@code config}, or an empty list when there is none. */
    public static List<String> warnings(GatewayConfig config) {
        Set<String> trusted = config.trustedIssuers().stream()
                .map(TrustedIssuerConfig::issuer)
                .collect(Collectors.toSet());
        List<String> needCredentials = new ArrayList<>();
        List<String> untrustedIssuers = new ArrayList<>();
        for (RuleConfig rule : config.policy().rules()) {
            PrincipalSelector principals = rule.principals();
            if (!needsCredentials(principals)) {
                continue;
            }
            if (trusted.isEmpty()) {
                needCredentials.add(rule.id());
            } else if (!principals.issuers().isEmpty() && Collections.disjoint(principals.issuers(), trusted)) {
                untrustedIssuers.add(rule.id());
            }
        }
        List<String> warnings = new ArrayList<>();
        if (!needCredentials.isEmpty()) {
            warnings.add(subject(needCredentials, "requires", "require") + " an authenticated principal, but no"
                    + " trusted issuers are configured, so " + (needCredentials.size() == 1 ? "it" : "they")
                    + " can never match (add trusted-issuers to the configuration)");
        }
        if (!untrustedIssuers.isEmpty()) {
            warnings.add(subject(untrustedIssuers, "selects", "select") + " only issuers that are not in"
                    + " trusted-issuers, so " + (untrustedIssuers.size() == 1 ? "it" : "they")
                    + " can never match (add the issuers to trusted-issuers)");
        }
        return warnings;
    }

    /** Returns {@code Policy rule "a" verb} or {@code Policy rules "a", "b" verb}, with the verb in agreement. */
    private static String subject(List<String> ruleIds, String singularVerb, String pluralVerb) {
        String quoted = ruleIds.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(", "));
        return ruleIds.size() == 1
                ? "Policy rule " + quoted + " " + singularVerb
                : "Policy rules " + quoted + " " + pluralVerb;
    }

    /** Returns whether only a caller with a verified subject token can satisfy {@code principals}. */
    private static boolean needsCredentials(PrincipalSelector principals) {
        return !"anonymous".equals(principals.principalClass()) || !principals.issuers().isEmpty()
                || !principals.subjects().isEmpty() || !principals.groups().isEmpty();
    }
}
