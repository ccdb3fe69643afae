package dev.agentgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    private static final Path EXAMPLE = Path.of("..", "docs", "examples", "gateway.yaml");
    private static final String MINIMAL = """
            routes:
              - tool: ops
                path-prefix: /tools/ops/
                backend: http://127.0.0.1:8091/
            """;

    @TempDir
    Path directory;

    @Test
    void loadsDocumentedExample() throws ConfigException {
        GatewayConfig config = ConfigLoader.load(EXAMPLE, name -> null);
        Path base = EXAMPLE.toAbsolutePath().normalize().getParent();

        assertThat(config.source()).isEqualTo(EXAMPLE.toAbsolutePath().normalize());
        assertThat(config.agentListener()).isEqualTo(new ListenerConfig("127.0.0.1", 8080));
        assertThat(config.adminListener()).isEqualTo(new ListenerConfig("127.0.0.1", 9090));
        assertThat(config.publicOrigin()).isEqualTo("http://127.0.0.1:8080");
        assertThat(config.signingKey())
                .isEqualTo(new SigningKeyConfig(base.resolve("agent-gateway-data/signing-key.jwk"), "ES256"));
        assertThat(config.audit().directory()).isEqualTo(base.resolve("agent-gateway-data/audit"));
        assertThat(config.tokens()).isEqualTo(TokenConfig.defaults());
        assertThat(config.trustedIssuers()).containsExactly(new TrustedIssuerConfig("https://idp.example.com",
                new JwksSource.FromUrl(URI.create("https://idp.example.com/.well-known/jwks.json")),
                Set.of("agent-gateway"), Set.of("ES256", "RS256"), Set.of("JWT")));
        assertThat(config.routes()).containsExactly(new RouteConfig("ops", "/tools/ops/",
                URI.create("http://127.0.0.1:8091/"), Duration.ofSeconds(2), Duration.ofSeconds(30), "ops-backend",
                Duration.ofSeconds(15)));
        assertThat(config.policy().operator()).isEqualTo(
                new OperatorConfig(Set.of("oncall"), Set.of("hwk"), Duration.ofHours(12), "phr"));
        assertThat(config.policy().rules()).extracting(RuleConfig::id)
                .containsExactly("ops-health", "ops-read", "ops-drain");
        assertThat(config.policy().rules().get(1)).isEqualTo(new RuleConfig("ops-read",
                new PrincipalSelector("authenticated", Set.of("https://idp.example.com"), Set.of(), Set.of()), "ops",
                Set.of("GET"), List.of("queues", "queues/*", "nodes", "nodes/*"), "ops.read"));
        assertThat(config.sampleTool()).isEqualTo(new SampleToolConfig(new ListenerConfig("127.0.0.1", 8091)));
    }

    @Test
    void minimalConfigGetsDefaults() throws ConfigException {
        GatewayConfig config = load(MINIMAL);

        assertThat(config.source()).isNull();
        assertThat(config.agentListener()).isEqualTo(new ListenerConfig("127.0.0.1", 8080));
        assertThat(config.adminListener()).isEqualTo(new ListenerConfig("127.0.0.1", 9090));
        assertThat(config.publicOrigin()).isNull();
        assertThat(config.signingKey().path()).isEqualTo(directory.resolve("agent-gateway-data/signing-key.jwk"));
        assertThat(config.signingKey().algorithm()).isEqualTo("ES256");
        assertThat(config.audit().directory()).isEqualTo(directory.resolve("agent-gateway-data/audit"));
        assertThat(config.tokens().capabilityLifetime()).isEqualTo(Duration.ofSeconds(300));
        assertThat(config.tokens().proofMaxAge()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.tokens().clockSkew()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.tokens().txnTokenLifetime()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.trustedIssuers()).isEmpty();
        RouteConfig route = config.routes().get(0);
        assertThat(route.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(route.responseTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(route.idleTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(route.backendAudience()).isEqualTo("ops");
        assertThat(config.policy().rules()).isEmpty();
        assertThat(config.policy().operator())
                .isEqualTo(new OperatorConfig(Set.of(), Set.of("hwk"), null, null));
        assertThat(config.sampleTool()).isNull();
    }

    @Test
    void nonceSettingsRead() throws ConfigException {
        GatewayConfig config = load(MINIMAL + """
                    dpop-nonce: required
                tokens:
                  verified-token-cache-size: 0
                  dpop-nonce:
                    token-endpoint: offered
                    lifetime: 2m
                    secrets: ["${NONCE_SECRET}", "an-older-secret-kept-for-rotation"]
                """, Map.of("NONCE_SECRET", "a-fresh-secret-of-32-characters!"));

        assertThat(config.routes().get(0).dpopNonce()).isEqualTo(DPoPNonceMode.REQUIRED);
        assertThat(config.tokens().verifiedTokenCacheSize()).isZero();
        assertThat(config.tokens().nonces()).isEqualTo(new NonceConfig(DPoPNonceMode.OFFERED, Duration.ofMinutes(2),
                List.of("a-fresh-secret-of-32-characters!", "an-older-secret-kept-for-rotation")));
        assertThat(config.tokens().nonces().toString()).doesNotContain("secret-of");
    }

    @Test
    void nonceDefaults() throws ConfigException {
        GatewayConfig config = load(MINIMAL + """
                tokens:
                  dpop-nonce: {}
                  verified-token-cache-size: 250
                """);

        assertThat(config.routes().get(0).dpopNonce()).isEqualTo(DPoPNonceMode.OFF);
        assertThat(config.tokens().nonces()).isEqualTo(NonceConfig.defaults());
        assertThat(config.tokens().verifiedTokenCacheSize()).isEqualTo(250);
    }

    @Test
    void routeIdleTimeoutIsRead() throws ConfigException {
        GatewayConfig config = load(MINIMAL + "    idle-timeout: 5s\n");

        assertThat(config.routes().get(0).idleTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void sectionDefaults() throws ConfigException {
        GatewayConfig config = load(MINIMAL + """
                listeners: {}
                signing-key: {}
                audit: {}
                tokens: {}
                sample-tool: {}
                trusted-issuers:
                  - issuer: http://127.0.0.1:9000
                    audiences: [gw]
                    jwks: {url: "http://localhost:9000/jwks"}
                policy:
                  operator: {groups: [oncall]}
                  rules:
                    - id: r1
                      tool: ops
                      methods: [GET]
                      paths: [""]
                """);

        assertThat(config.agentListener().port()).isEqualTo(8080);
        assertThat(config.adminListener().port()).isEqualTo(9090);
        assertThat(config.signingKey().algorithm()).isEqualTo("ES256");
        assertThat(config.tokens()).isEqualTo(TokenConfig.defaults());
        assertThat(config.sampleTool().listener()).isEqualTo(new ListenerConfig("127.0.0.1", 8091));
        TrustedIssuerConfig issuer = config.trustedIssuers().get(0);
        assertThat(issuer.algorithms()).containsExactlyInAnyOrder("ES256", "ES384", "RS256", "PS256");
        assertThat(issuer.tokenTypes()).containsExactlyInAnyOrder("JWT", "");
        assertThat(config.policy().operator().requiredAmr()).containsExactly("hwk");
        assertThat(config.policy().operator().maxAuthAge()).isNull();
        assertThat(config.policy().operator().acrValues()).isNull();
        RuleConfig rule = config.policy().rules().get(0);
        assertThat(rule.principals()).isEqualTo(new PrincipalSelector("authenticated", Set.of(), Set.of(), Set.of()));
        assertThat(rule.scope()).isNull();
        assertThat(rule.paths()).containsExactly("");
    }

    @Test
    void listenerForms() throws ConfigException {
        GatewayConfig config = load(MINIMAL + """
                listeners:
                  agent: "[::1]:0"
                  admin: localhost:0
                """);

        assertThat(config.agentListener()).isEqualTo(new ListenerConfig("::1", 0));
        assertThat(config.adminListener()).isEqualTo(new ListenerConfig("localhost", 0));
    }

    @Test
    void durationForms() throws ConfigException {
        GatewayConfig config = load(MINIMAL + """
                tokens:
                  capability-lifetime: PT2M
                  proof-max-age: 1500ms
                  clock-skew: 0s
                  txn-token-lifetime: 5m
                """);

        assertThat(config.tokens()).isEqualTo(new TokenConfig(Duration.ofMinutes(2), Duration.ofMillis(1500),
                Duration.ZERO, Duration.ofMinutes(5)));
    }

    @Test
    void inlineJwksMappingBecomesJson() throws ConfigException {
        GatewayConfig config = load(MINIMAL + """
                trusted-issuers:
                  - issuer: https://idp.example.com
                    audiences: [gw]
                    jwks:
                      inline:
                        keys:
                          - {kty: EC, crv: P-256, kid: k1, x: "AQ", y: "Ag", key_ops: [verify], ext: true}
                """);

        assertThat(config.trustedIssuers().get(0).jwks()).isEqualTo(new JwksSource.Inline(
                "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k1\",\"x\":\"AQ\",\"y\":\"Ag\","
                        + "\"key_ops\":[\"verify\"],\"ext\":true}]}"));
    }

    @Test
    void inlineJwksJsonString() throws ConfigException {
        GatewayConfig config = load(MINIMAL + """
                trusted-issuers:
                  - issuer: https://idp.example.com
                    audiences: [gw]
                    jwks:
                      inline: '{"keys": [ {"kty": "OKP", "crv": "Ed25519", "x": "AA"} ]}'
                """);

        assertThat(config.trustedIssuers().get(0).jwks())
                .isEqualTo(new JwksSource.Inline("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"}]}"));
    }

    @Test
    void jwksFileResolvesAgainstBase() throws ConfigException, IOException {
        Files.writeString(directory.resolve("idp-jwks.json"), "{\"keys\":[{\"kty\":\"EC\"}]}");

        GatewayConfig config = load(MINIMAL + """
                trusted-issuers:
                  - issuer: https://idp.example.com
                    audiences: [gw]
                    jwks: {file: idp-jwks.json}
                """);

        assertThat(config.trustedIssuers().get(0).jwks())
                .isEqualTo(new JwksSource.FromFile(directory.resolve("idp-jwks.json")));
    }

    @Test
    void jwksUrlOptions() throws ConfigException {
        GatewayConfig config = load(MINIMAL + """
                trusted-issuers:
                  - issuer: https://idp.example.com
                    audiences: [gw]
                    jwks:
                      url: https://idp.example.com/jwks.json
                      cache-lifetime: 10m
                      refresh-min-interval: 15s
                      outage-tolerance: 2h
                """);

        assertThat(config.trustedIssuers().get(0).jwks()).isEqualTo(new JwksSource.FromUrl(
                URI.create("https://idp.example.com/jwks.json"), Duration.ofMinutes(10), Duration.ofSeconds(15),
                Duration.ofHours(2)));
    }

    @Test
    void signingKeyAlgorithmEdDsa() throws ConfigException {
        GatewayConfig config = load(MINIMAL + "signing-key: {algorithm: EdDSA}\n");

        assertThat(config.signingKey().algorithm()).isEqualTo("EdDSA");
    }

    @Test
    void backendWithoutPathGetsSlash() throws ConfigException {
        GatewayConfig config = load(MINIMAL.replace("http://127.0.0.1:8091/", "http://127.0.0.1:8091"));

        assertThat(config.routes().get(0).backend()).isEqualTo(URI.create("http://127.0.0.1:8091/"));
    }

    @Test
    void environmentInInlineJwks() throws ConfigException {
        String yaml = MINIMAL + """
                trusted-issuers:
                  - issuer: https://idp.example.com
                    audiences: ["${AUDIENCE}"]
                    jwks:
                      inline: {keys: [{kty: EC, x: "${KEY_X}"}]}
                """;
        Map<String, String> environment = Map.of("AUDIENCE", "gw", "KEY_X", "AQAB");

        GatewayConfig config = ConfigLoader.load("gateway.yaml", stream(yaml), directory, environment::get);

        assertThat(config.trustedIssuers().get(0).audiences()).containsExactly("gw");
        assertThat(config.trustedIssuers().get(0).jwks())
                .isEqualTo(new JwksSource.Inline("{\"keys\":[{\"kty\":\"EC\",\"x\":\"AQAB\"}]}"));
    }

    @Test
    void loadFromFileUsesItsDirectory() throws ConfigException, IOException {
        Path file = directory.resolve("gateway.yaml");
        Files.writeString(file, MINIMAL + "audit: {directory: logs}\n");

        GatewayConfig config = ConfigLoader.load(file, name -> null);

        assertThat(config.source()).isEqualTo(file.toAbsolutePath().normalize());
        assertThat(config.audit().directory()).isEqualTo(directory.toAbsolutePath().resolve("logs"));
    }

    @Test
    void environmentReferences() throws ConfigException {
        Map<String, String> environment = Map.of("BACKEND_PORT", "9101", "AUD", "gw-${NOT_EXPANDED}");
        String yaml = """
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:${BACKEND_PORT}/api/
                    backend-audience: ${AUD}
                """;

        GatewayConfig config = ConfigLoader.load("gateway.yaml", stream(yaml), directory, environment::get);

        assertThat(config.routes().get(0).backend()).isEqualTo(URI.create("http://127.0.0.1:9101/api/"));
        assertThat(config.routes().get(0).backendAudience()).isEqualTo("gw-${NOT_EXPANDED}");
    }

    @Test
    void missingFileIsReported() {
        Path file = directory.resolve("absent.yaml");

        assertThatThrownBy(() -> ConfigLoader.load(file, name -> null))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": configuration file not found");
    }

    @Test
    void oversizedInputIsRejected() {
        String yaml = MINIMAL + "# " + "x".repeat(1 << 20) + "\n";

        assertThatThrownBy(() -> load(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage("gateway.yaml: the configuration is larger than 1048576 bytes (expected: at most 1 MiB)");
    }

    @Test
    void deepNestingIsRejected() {
        String yaml = MINIMAL + "policy: " + "[".repeat(30) + "]".repeat(30) + "\n";

        assertThatThrownBy(() -> load(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gateway.yaml:5: policy")
                .hasMessageContaining("nesting is deeper than 20 levels");
    }

    @Test
    void aliasExpansionIsRejected() {
        String yaml = """
                a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
                b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
                c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]
                """;

        assertThatThrownBy(() -> load(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage("gateway.yaml:1: a: YAML anchor &a is not supported"
                        + " (expected: plain values without anchors)");
    }

    static GatewayConfig loadYaml(String yaml, Path directory) throws ConfigException {
        return ConfigLoader.load("gateway.yaml", stream(yaml), directory, name -> null);
    }

    private GatewayConfig load(String yaml) throws ConfigException {
        return loadYaml(yaml, directory);
    }

    private GatewayConfig load(String yaml, Map<String, String> environment) throws ConfigException {
        return ConfigLoader.load("gateway.yaml", stream(yaml), directory, environment::get);
    }

    private static ByteArrayInputStream stream(String yaml) {
        return new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8));
    }
}
