package dev.agentgateway.config;

import java.util.List;
import java.util.Objects;

/**
 * Access policy. Evaluation is deny by default: a request is allowed only when a rule matches it.
 *
 * @param operator what makes an authenticated principal an on-call operator
 * @param rules allow rules, evaluated in order; the first match decides
 */
public record PolicyConfig(OperatorConfig operator, List<RuleConfig> rules) {

    public PolicyConfig {
        Objects.requireNonNull(operator, "operator");
        rules = List.copyOf(rules);
    }
}
