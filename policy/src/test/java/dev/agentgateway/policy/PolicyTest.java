package dev.agentgateway.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.agentgateway.config.OperatorConfig;
import dev.agentgateway.config.PolicyConfig;
import dev.agentgateway.config.PrincipalSelector;
import dev.agentgateway.config.RuleConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String IDP = "https://idp.example.com";

    private static final OperatorConfig OPERATOR =
            new OperatorConfig(Set.of("oncall"), Set.of("hwk"), Duration.ofHours(12), "phr");

    private static final List<RuleConfig> RULES = List.of(
            rule("public-health", "anonymous", "ops", Set.of("GET"), List.of("health"), null),
            rule("ops-read", "authenticated", "ops", Set.of("GET"), List.of("queues", "queues/*"), "ops.read"),
            rule("ops-drain", "operator", "ops", Set.of("POST"), List.of("nodes/*/drain"), "ops.write"),
            rule("ops-logs", "authenticated", "ops", Set.of("GET"), List.of("logs/**"), null),
            rule("ops-root", "authenticated", "ops", Set.of("GET"), List.of(""), null),
            new RuleConfig("sre-restart", new PrincipalSelector("authenticated", Set.of(), Set.of(), Set.of("sre")),
                    "ops", Set.of("POST"), List.of("services/*/restart"), null),
            rule("first", "authenticated", "docs", Set.of("GET"), List.of("pages/*"), null),
            rule("second", "authenticated", "docs", Set.of("GET"), List.of("pages/**"), null));

    private static final Policy POLICY = Policy.from(new PolicyConfig(OPERATOR, RULES), CLOCK);

    private static final Principal ANONYMOUS = Principal.anonymous();
    private static final Principal ALICE = principal("alice", Set.of("dev"), Set.of("pwd"), NOW.minusSeconds(60));
    private static final Principal OPS = principal("bob", Set.of("oncall"), Set.of("pwd", "hwk"), NOW.minusSeconds(60));
    private static final Principal NO_KEY = principal("carol", Set.of("oncall"), Set.of("pwd"), NOW.minusSeconds(60));
    private static final Principal STALE =
            principal("dave", Set.of("oncall"), Set.of("hwk"), NOW.minus(Duration.ofHours(12)).minusSeconds(1));
    private static final Principal NO_AUTH_TIME = principal("erin", Set.of("oncall"), Set.of("hwk"), null);
    private static final Principal SRE = principal("frank", Set.of("sre"), Set.of("pwd"), null);

    static Stream<Arguments> decisions() {
        return Stream.of(
                // principal, tool, method, path, scopes, allowed, rule, missing authority
                Arguments.of(ANONYMOUS, "ops", "GET", "health", Set.of(), true, "public-health", null),
                Arguments.of(ALICE, "ops", "GET", "health", Set.of(), true, "public-health", null),
                Arguments.of(ANONYMOUS, "ops", "GET", "queues", Set.of(), false, "ops-read",
                        MissingAuthority.AUTHENTICATION),
                Arguments.of(ALICE, "ops", "GET", "queues", Set.of("ops.read"), true, "ops-read", null),
                Arguments.of(ALICE, "ops", "GET", "queues/q1", Set.of("ops.read"), true, "ops-read", null),
                Arguments.of(ALICE, "ops", "GET", "queues", Set.of(), false, "ops-read", MissingAuthority.SCOPE),
                Arguments.of(ALICE, "ops", "POST", "nodes/n1/drain", Set.of("ops.write"), false, "ops-drain",
                        MissingAuthority.OPERATOR_MODE),
                Arguments.of(OPS, "ops", "POST", "nodes/n1/drain", Set.of("ops.write"), true, "ops-drain", null),
                Arguments.of(OPS, "ops", "POST", "nodes/n1/drain", Set.of(), false, "ops-drain",
                        MissingAuthority.SCOPE),
                Arguments.of(NO_KEY, "ops", "POST", "nodes/n1/drain", Set.of("ops.write"), false, "ops-drain",
                        MissingAuthority.STEP_UP),
                Arguments.of(STALE, "ops", "POST", "nodes/n1/drain", Set.of("ops.write"), false, "ops-drain",
                        MissingAuthority.STEP_UP),
                Arguments.of(NO_AUTH_TIME, "ops", "POST", "nodes/n1/drain", Set.of("ops.write"), false, "ops-drain",
                        MissingAuthority.STEP_UP),
                Arguments.of(OPS, "other", "GET", "queues", Set.of("ops.read"), false, null, MissingAuthority.RULE),
                Arguments.of(OPS, "ops", "DELETE", "queues", Set.of("ops.read"), false, null, MissingAuthority.RULE),
                Arguments.of(OPS, "ops", "get", "queues", Set.of("ops.read"), false, null, MissingAuthority.RULE),
                Arguments.of(OPS, "ops", "GET", "Queues", Set.of("ops.read"), false, null, MissingAuthority.RULE),
                Arguments.of(ALICE, "ops", "GET", "queues/q1/items", Set.of("ops.read"), false, null,
                        MissingAuthority.RULE),
                Arguments.of(ALICE, "ops", "GET", "queues/", Set.of("ops.read"), false, null, MissingAuthority.RULE),
                Arguments.of(ALICE, "ops", "GET", "queuesX", Set.of("ops.read"), false, null, MissingAuthority.RULE),
                Arguments.of(ALICE, "ops", "POST", "nodes//drain", Set.of("ops.write"), false, null,
                        MissingAuthority.RULE),
                Arguments.of(ALICE, "ops", "GET", "queues/..", Set.of("ops.read"), true, "ops-read", null),
                Arguments.of(ALICE, "ops", "GET", "logs", Set.of(), true, "ops-logs", null),
                Arguments.of(ALICE, "ops", "GET", "logs/", Set.of(), true, "ops-logs", null),
                Arguments.of(ALICE, "ops", "GET", "logs/a/b/c", Set.of(), true, "ops-logs", null),
                Arguments.of(ALICE, "ops", "GET", "logsX/a", Set.of(), false, null, MissingAuthority.RULE),
                Arguments.of(ALICE, "ops", "GET", "", Set.of(), true, "ops-root", null),
                Arguments.of(SRE, "ops", "POST", "services/api/restart", Set.of(), true, "sre-restart", null),
                Arguments.of(ALICE, "ops", "POST", "services/api/restart", Set.of(), false, "sre-restart",
                        MissingAuthority.RULE),
                Arguments.of(ANONYMOUS, "ops", "POST", "services/api/restart", Set.of(), false, "sre-restart",
                        MissingAuthority.AUTHENTICATION),
                Arguments.of(ALICE, "docs", "GET", "pages/p1", Set.of(), true, "first", null),
                Arguments.of(ALICE, "docs", "GET", "pages/p1/v2", Set.of(), true, "second", null));
    }

    @ParameterizedTest(name = "{0} {2} {1}/{3} {4}")
    @MethodSource("decisions")
    void decideTable(Principal principal, String tool, String method, String path, Set<String> scopes,
            boolean allowed, String ruleId, MissingAuthority missing) {
        Decision decision = POLICY.decide(new AccessRequest(principal, null, tool, method, path, scopes));

        assertThat(decision.allowed()).as("allowed; reason: %s", decision.reason()).isEqualTo(allowed);
        assertThat(decision.ruleId()).as("rule id").isEqualTo(ruleId);
        assertThat(decision.missingAuthority()).as("missing authority").isEqualTo(missing);
        assertThat(decision.policyHash()).isEqualTo(POLICY.hash());
    }

    @Test
    void classifyPrincipals() {
        assertThat(POLICY.classify(ANONYMOUS)).isEqualTo(PrincipalClass.ANONYMOUS);
        assertThat(POLICY.classify(ALICE)).isEqualTo(PrincipalClass.AUTHENTICATED);
        assertThat(POLICY.classify(OPS)).isEqualTo(PrincipalClass.OPERATOR);
        assertThat(POLICY.classify(NO_KEY)).isEqualTo(PrincipalClass.AUTHENTICATED);
        assertThat(POLICY.classify(STALE)).isEqualTo(PrincipalClass.AUTHENTICATED);
        assertThat(POLICY.classify(NO_AUTH_TIME)).isEqualTo(PrincipalClass.AUTHENTICATED);
    }

    @Test
    void classifyAuthTimeAtLimit() {
        Principal atLimit = principal("gina", Set.of("oncall"), Set.of("hwk"), NOW.minus(Duration.ofHours(12)));

        assertThat(POLICY.classify(atLimit)).isEqualTo(PrincipalClass.OPERATOR);
    }

    @Test
    void classifyWithoutMaxAuthAge() {
        OperatorConfig noAgeLimit = new OperatorConfig(Set.of("oncall"), Set.of("hwk"), null, null);
        Policy policy = Policy.from(new PolicyConfig(noAgeLimit, RULES), CLOCK);

        assertThat(policy.classify(NO_AUTH_TIME)).isEqualTo(PrincipalClass.OPERATOR);
        assertThat(policy.classify(STALE)).isEqualTo(PrincipalClass.OPERATOR);
    }

    @Test
    void stepUpCarriesChallenge() {
        Decision decision = POLICY.decide(
                new AccessRequest(STALE, null, "ops", "POST", "nodes/n1/drain", Set.of("ops.write")));

        assertThat(decision.stepUp()).isEqualTo(new StepUpChallenge("phr", Duration.ofHours(12)));
        assertThat(decision.principalClass()).isEqualTo(PrincipalClass.AUTHENTICATED);
        assertThat(decision.reason()).isEqualTo("POST nodes/n1/drain on tool \"ops\" requires operator mode"
                + " (rule \"ops-drain\"): the principal is on call but the login is older than PT12H.");
    }

    @Test
    void stepUpNamesMissingAmr() {
        Decision decision = POLICY.decide(
                new AccessRequest(NO_KEY, null, "ops", "POST", "nodes/n1/drain", Set.of("ops.write")));

        assertThat(decision.reason()).endsWith("the principal is on call but the login did not use \"hwk\".");
    }

    @Test
    void operatorModeReason() {
        Decision decision = POLICY.decide(
                new AccessRequest(ALICE, null, "ops", "POST", "nodes/n1/drain", Set.of("ops.write")));

        assertThat(decision.reason()).isEqualTo("POST nodes/n1/drain on tool \"ops\" requires operator mode"
                + " (rule \"ops-drain\"): the principal is not in an on-call group.");
        assertThat(decision.stepUp()).isNull();
    }

    @Test
    void allowReason() {
        Decision decision = POLICY.decide(
                new AccessRequest(OPS, null, "ops", "POST", "nodes/n1/drain", Set.of("ops.write")));

        assertThat(decision.reason())
                .isEqualTo("POST nodes/n1/drain on tool \"ops\" is allowed by rule \"ops-drain\".");
        assertThat(decision.principalClass()).isEqualTo(PrincipalClass.OPERATOR);
        assertThat(decision.stepUp()).isNull();
    }

    @Test
    void reasonEscapesRequestValues() {
        String path = "queues/a\"b\\c\r\nSet-Cookie: x\u0000\u00e9";
        Decision decision = POLICY.decide(new AccessRequest(ALICE, null, "ops", "GET\n", path, Set.of()));

        assertThat(decision.reason()).doesNotContain("\r", "\n", "\u0000", "\\")
                .isEqualTo("GET queues/a%22b%5CcSet-Cookie:%20x%C3%A9 on tool \"ops\" matches no rule.");
    }

    @Test
    void reasonTruncatesLongPath() {
        String path = "x".repeat(5000);
        Decision decision = POLICY.decide(new AccessRequest(ALICE, null, "ops", "GET", path, Set.of()));

        assertThat(decision.reason()).hasSizeLessThan(300).contains("...");
    }

    @Test
    void emptyPolicyDeniesEverything() {
        Policy policy = Policy.from(new PolicyConfig(OPERATOR, List.of()), CLOCK);

        Decision decision = policy.decide(new AccessRequest(OPS, null, "ops", "GET", "health", Set.of()));

        assertThat(decision.allowed()).isFalse();
        assertThat(decision.missingAuthority()).isEqualTo(MissingAuthority.RULE);
        assertThat(decision.ruleId()).isNull();
        assertThat(decision.reason()).isEqualTo("GET health on tool \"ops\" matches no rule.");
    }

    @Test
    void grantableScopesByClass() {
        assertThat(POLICY.grantableScopes(ANONYMOUS, "ops")).isEmpty();
        assertThat(POLICY.grantableScopes(ALICE, "ops")).containsExactly("ops.read");
        assertThat(POLICY.grantableScopes(NO_KEY, "ops")).containsExactly("ops.read");
        assertThat(POLICY.grantableScopes(OPS, "ops")).containsExactly("ops.read", "ops.write");
        assertThat(POLICY.grantableScopes(OPS, "docs")).isEmpty();
    }

    @Test
    void grantableScopesHonourGroups() {
        RuleConfig sreOnly = new RuleConfig("sre-admin",
                new PrincipalSelector("authenticated", Set.of(IDP), Set.of(), Set.of("sre")), "ops", Set.of("PUT"),
                List.of("config"), "ops.admin");
        Policy policy = Policy.from(new PolicyConfig(OPERATOR, List.of(sreOnly)), CLOCK);

        assertThat(policy.grantableScopes(SRE, "ops")).containsExactly("ops.admin");
        assertThat(policy.grantableScopes(ALICE, "ops")).isEmpty();
    }

    @Test
    void hashIsStable() {
        Policy again = Policy.from(new PolicyConfig(
                new OperatorConfig(Set.of("oncall"), Set.of("hwk"), Duration.ofHours(12), "phr"), List.copyOf(RULES)),
                Clock.systemUTC());

        assertThat(POLICY.hash()).matches("[0-9a-f]{64}").isEqualTo(again.hash());
    }

    @Test
    void hashChangesWithAnyRuleChange() {
        List<RuleConfig> changedScope = new ArrayList<>(RULES);
        changedScope.set(1, rule("ops-read", "authenticated", "ops", Set.of("GET"), List.of("queues", "queues/*"),
                "ops.list"));
        List<RuleConfig> reordered = new ArrayList<>(RULES);
        Collections.swap(reordered, 6, 7);
        OperatorConfig otherAge = new OperatorConfig(Set.of("oncall"), Set.of("hwk"), Duration.ofHours(8), "phr");

        Set<String> hashes = Set.of(POLICY.hash(),
                Policy.from(new PolicyConfig(OPERATOR, changedScope), CLOCK).hash(),
                Policy.from(new PolicyConfig(OPERATOR, reordered), CLOCK).hash(),
                Policy.from(new PolicyConfig(otherAge, RULES), CLOCK).hash(),
                Policy.from(new PolicyConfig(OPERATOR, RULES.subList(0, 7)), CLOCK).hash());

        assertThat(hashes).hasSize(5);
    }

    @Test
    void fromRejectsDuplicateIds() {
        RuleConfig rule = rule("dup", "authenticated", "ops", Set.of("GET"), List.of("a"), null);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> Policy.from(new PolicyConfig(OPERATOR, List.of(rule, rule)), CLOCK))
                .withMessageContaining("\"dup\" is used twice");
    }

    @Test
    void fromRejectsBadPatterns() {
        for (String pattern : List.of("/a", "a/", "a//b", "**/a", "a*", "a/./b", "a/../b", "a/**/b")) {
            RuleConfig rule = rule("r", "authenticated", "ops", Set.of("GET"), List.of(pattern), null);

            assertThatIllegalArgumentException().as(pattern)
                    .isThrownBy(() -> Policy.from(new PolicyConfig(OPERATOR, List.of(rule)), CLOCK))
                    .withMessageContaining("path pattern");
        }
    }

    @Test
    void fromRejectsLowerCaseMethod() {
        RuleConfig rule = rule("r", "authenticated", "ops", Set.of("get"), List.of("a"), null);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> Policy.from(new PolicyConfig(OPERATOR, List.of(rule)), CLOCK))
                .withMessageContaining("method \"get\"");
    }

    @Test
    void fromRejectsOperatorRuleWithoutGroups() {
        OperatorConfig noGroups = new OperatorConfig(Set.of(), Set.of("hwk"), null, null);
        RuleConfig rule = rule("r", "operator", "ops", Set.of("GET"), List.of("a"), null);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> Policy.from(new PolicyConfig(noGroups, List.of(rule)), CLOCK))
                .withMessageContaining("operator.groups is empty");
    }

    private static RuleConfig rule(String id, String principalClass, String tool, Set<String> methods,
            List<String> paths, String scope) {
        return new RuleConfig(id, new PrincipalSelector(principalClass, Set.of(), Set.of(), Set.of()), tool, methods,
                paths, scope);
    }

    private static Principal principal(String subject, Set<String> groups, Set<String> amr, Instant authTime) {
        return new Principal(IDP, subject, groups, null, amr, authTime);
    }
}
