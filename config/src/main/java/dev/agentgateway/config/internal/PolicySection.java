package dev.agentgateway.config.internal;

import dev.agentgateway.config.ConfigException;
import dev.agentgateway.config.OperatorConfig;
import dev.agentgateway.config.PolicyConfig;
import dev.agentgateway.config.PrincipalSelector;
import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.config.RuleConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Maps and validates {@code policy}. */
final class PolicySection {

    static final List<String> DEFAULT_REQUIRED_AMR = List.of("hwk");
    static final String DEFAULT_CLASS = "authenticated";
    static final Duration MAX_AUTH_AGE = Duration.ofDays(7);

    private static final List<String> CLASSES = List.of("anonymous", "authenticated", "operator");
    private static final Pattern RULE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");
    private static final Pattern METHOD = Pattern.compile("[A-Z][A-Z0-9_-]*");
    /** Scope token characters of RFC 6749 section 3.3. */
    private static final Pattern SCOPE = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");
    private static final String PATH_FORM = "segments separated by '/', each a literal, '*' or a final '**',"
            + " without a leading '/'";
    private static final List<String> POLICY_KEYS = List.of("operator", "rules");
    private static final List<String> OPERATOR_KEYS = List.of("groups", "required-amr", "max-auth-age",
            "acr-values");
    private static final List<String> RULE_KEYS = List.of("id", "principals", "tool", "methods", "paths", "scope");
    private static final List<String> PRINCIPAL_KEYS = List.of("class", "issuers", "subjects", "groups");

    private final Values values;
    private final ConfigErrors errors;

    PolicySection(Values values) {
        this.values = values;
        this.errors = values.errors();
    }

    PolicyConfig map(MappingReader top, List<RouteConfig> routes) throws ConfigException {
        Optional<YamlNode> node = top.optional("policy");
        if (node.isEmpty()) {
            return new PolicyConfig(new OperatorConfig(Set.of(), Set.copyOf(DEFAULT_REQUIRED_AMR), null, null),
                    List.of());
        }
        MappingReader policy = MappingReader.of(errors, "policy", node.get(), POLICY_KEYS);
        OperatorConfig operator = operator(policy);
        List<RuleConfig> rules = rules(policy, routes);
        requireOperatorGroups(policy, operator, rules);
        return new PolicyConfig(operator, rules);
    }

    private OperatorConfig operator(MappingReader policy) throws ConfigException {
        Optional<YamlNode> node = policy.optional("operator");
        if (node.isEmpty()) {
            return new OperatorConfig(Set.of(), Set.copyOf(DEFAULT_REQUIRED_AMR), null, null);
        }
        MappingReader operator = MappingReader.of(errors, "policy.operator", node.get(), OPERATOR_KEYS);
        Set<String> groups = optionalStrings(operator, "groups", List.of());
        Set<String> requiredAmr = optionalStrings(operator, "required-amr", DEFAULT_REQUIRED_AMR);
        Optional<YamlNode> maxAge = operator.optional("max-auth-age");
        Duration maxAuthAge = maxAge.isPresent()
                ? values.duration(maxAge.get(), operator.path("max-auth-age"), Duration.ofSeconds(1), MAX_AUTH_AGE)
                : null;
        Optional<YamlNode> acr = operator.optional("acr-values");
        String acrValues = acr.isPresent()
                ? values.nonEmptyString(acr.get(), operator.path("acr-values"), "space-separated acr values")
                : null;
        return new OperatorConfig(groups, requiredAmr, maxAuthAge, acrValues);
    }

    private Set<String> optionalStrings(MappingReader mapping, String key, List<String> defaultValue)
            throws ConfigException {
        Optional<YamlNode> node = mapping.optional(key);
        List<String> strings = node.isPresent()
                ? values.strings(node.get(), mapping.path(key), "a list of non-empty strings", false)
                : defaultValue;
        return new LinkedHashSet<>(strings);
    }

    private List<RuleConfig> rules(MappingReader policy, List<RouteConfig> routes) throws ConfigException {
        Optional<YamlNode> node = policy.optional("rules");
        if (node.isEmpty()) {
            return List.of();
        }
        List<YamlNode> items = values.list(node.get(), "policy.rules", "a list of rule mappings");
        List<RuleConfig> rules = new ArrayList<>(items.size());
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            MappingReader rule = MappingReader.of(errors, ConfigErrors.item("policy.rules", i), items.get(i),
                    RULE_KEYS);
            RuleConfig config = rule(rule, routes);
            Integer first = ids.putIfAbsent(config.id(), i);
            if (first != null) {
                throw errors.at(rule.optional("id").get(), rule.path("id"), ConfigErrors.quote(config.id())
                        + " is already the id of policy.rules[" + first + "]", "unique rule ids");
            }
            rules.add(config);
        }
        return rules;
    }

    private RuleConfig rule(MappingReader rule, List<RouteConfig> routes) throws ConfigException {
        String idForm = "an id matching " + RULE_ID.pattern();
        YamlNode idNode = rule.required("id", idForm);
        String id = values.string(idNode, rule.path("id"), idForm);
        if (!RULE_ID.matcher(id).matches()) {
            throw errors.at(idNode, rule.path("id"), ConfigErrors.quote(id) + " is not a valid rule id", idForm);
        }
        PrincipalSelector principals = principals(rule);
        String tool = tool(rule, routes);
        Set<String> methods = methods(rule);
        List<String> paths = paths(rule);
        String scope = scope(rule);
        return new RuleConfig(id, principals, tool, methods, paths, scope);
    }

    private PrincipalSelector principals(MappingReader rule) throws ConfigException {
        Optional<YamlNode> node = rule.optional("principals");
        if (node.isEmpty()) {
            return new PrincipalSelector(DEFAULT_CLASS, Set.of(), Set.of(), Set.of());
        }
        MappingReader principals = MappingReader.of(errors, rule.path("principals"), node.get(), PRINCIPAL_KEYS);
        String principalClass = DEFAULT_CLASS;
        Optional<YamlNode> classNode = principals.optional("class");
        if (classNode.isPresent()) {
            String expected = String.join(", ", CLASSES);
            principalClass = values.string(classNode.get(), principals.path("class"), expected);
            if (!CLASSES.contains(principalClass)) {
                throw errors.at(classNode.get(), principals.path("class"), ConfigErrors.quote(principalClass)
                        + " is not a principal class", expected);
            }
        }
        return new PrincipalSelector(principalClass, optionalStrings(principals, "issuers", List.of()),
                optionalStrings(principals, "subjects", List.of()), optionalStrings(principals, "groups", List.of()));
    }

    private String tool(MappingReader rule, List<RouteConfig> routes) throws ConfigException {
        List<String> tools = routes.stream().map(RouteConfig::tool).toList();
        String expected = "the tool of a route: " + String.join(", ", tools);
        YamlNode node = rule.required("tool", expected);
        String tool = values.string(node, rule.path("tool"), expected);
        if (!tools.contains(tool)) {
            throw errors.at(node, rule.path("tool"), ConfigErrors.quote(tool) + " names no route", expected);
        }
        return tool;
    }

    private Set<String> methods(MappingReader rule) throws ConfigException {
        String expected = "a list of upper-case HTTP methods, for example [GET, POST]";
        YamlNode node = rule.required("methods", expected);
        List<String> methods = values.strings(node, rule.path("methods"), expected, false);
        if (methods.isEmpty()) {
            throw errors.at(node, rule.path("methods"), "is empty", expected);
        }
        List<YamlNode> items = values.list(node, rule.path("methods"), expected);
        for (int i = 0; i < methods.size(); i++) {
            if (!METHOD.matcher(methods.get(i)).matches()) {
                throw errors.at(items.get(i), ConfigErrors.item(rule.path("methods"), i),
                        ConfigErrors.quote(methods.get(i)) + " is not an upper-case method token", expected);
            }
        }
        return new LinkedHashSet<>(methods);
    }

    private List<String> paths(MappingReader rule) throws ConfigException {
        String expected = "a list of path patterns: " + PATH_FORM;
        YamlNode node = rule.required("paths", expected);
        List<String> paths = values.strings(node, rule.path("paths"), expected, true);
        if (paths.isEmpty()) {
            throw errors.at(node, rule.path("paths"), "is empty", expected);
        }
        List<YamlNode> items = values.list(node, rule.path("paths"), expected);
        for (int i = 0; i < paths.size(); i++) {
            String problem = patternProblem(paths.get(i));
            if (problem != null) {
                throw errors.at(items.get(i), ConfigErrors.item(rule.path("paths"), i),
                        ConfigErrors.quote(paths.get(i)) + " " + problem, PATH_FORM);
            }
        }
        return paths;
    }

    /** Returns what is wrong with a path pattern, or {@code null}; the policy engine compiles the same syntax. */
    static String patternProblem(String pattern) {
        if (pattern.isEmpty()) {
            return null;
        }
        if (pattern.startsWith("/")) {
            return "starts with '/'";
        }
        String[] segments = pattern.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return "has an empty, '.' or '..' segment";
            }
            if (segment.equals("**") && i != segments.length - 1) {
                return "has '**' before the last segment";
            }
            if (segment.contains("*") && !segment.equals("*") && !segment.equals("**")) {
                return "has '*' inside a segment";
            }
        }
        return null;
    }

    private String scope(MappingReader rule) throws ConfigException {
        Optional<YamlNode> node = rule.optional("scope");
        if (node.isEmpty()) {
            return null;
        }
        String expected = "one scope token without spaces, for example ops.read";
        String scope = values.string(node.get(), rule.path("scope"), expected);
        if (!SCOPE.matcher(scope).matches()) {
            throw errors.at(node.get(), rule.path("scope"), ConfigErrors.quote(scope) + " is not a scope token",
                    expected);
        }
        return scope;
    }

    private void requireOperatorGroups(MappingReader policy, OperatorConfig operator, List<RuleConfig> rules)
            throws ConfigException {
        if (!operator.groups().isEmpty()) {
            return;
        }
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i).principals().principalClass().equals("operator")) {
                int line = policy.optional("operator").map(YamlNode::line).orElse(policy.line());
                throw errors.at(line, "policy.operator.groups", "missing or empty, but policy.rules[" + i
                        + "] requires class operator", "at least one on-call group");
            }
        }
    }
}
