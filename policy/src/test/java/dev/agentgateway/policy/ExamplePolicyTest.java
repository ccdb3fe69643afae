package dev.agentgateway.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.config.ConfigException;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Decides requests under the documented example configuration, so loader and policy agree on its rules. */
class ExamplePolicyTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void examplePolicyDecides() throws ConfigException {
        GatewayConfig config = ConfigLoader.load(Path.of("..", "docs", "examples", "gateway.yaml"), name -> null);
        Policy policy = Policy.from(config.policy(), Clock.fixed(NOW, ZoneOffset.UTC));
        Principal operator = new Principal("https://idp.example.com", "bob", Set.of("oncall"), null,
                Set.of("hwk"), NOW.minusSeconds(600));

        Decision health = policy.decide(new AccessRequest(Principal.anonymous(), null, "ops", "GET", "health",
                Set.of()));
        Decision drain = policy.decide(new AccessRequest(operator, null, "ops", "POST", "nodes/n1/drain",
                Set.of("ops.write")));
        Decision anonymousDrain = policy.decide(new AccessRequest(Principal.anonymous(), null, "ops", "POST",
                "nodes/n1/drain", Set.of()));

        assertThat(health.ruleId()).isEqualTo("ops-health");
        assertThat(health.allowed()).isTrue();
        assertThat(drain.ruleId()).isEqualTo("ops-drain");
        assertThat(drain.allowed()).isTrue();
        assertThat(anonymousDrain.missingAuthority()).isEqualTo(MissingAuthority.AUTHENTICATION);
        assertThat(policy.grantableScopes(operator, "ops")).containsExactly("ops.read", "ops.write");
    }
}
