package dev.agentgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.nimbusds.jose.jwk.JWKSet;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartupLogTest {

    private static final String BASE = "listeners: {agent: 127.0.0.1:0, admin: 127.0.0.1:0}\n"
            + "signing-key: {path: signing-key.jwk}\n"
            + "audit: {directory: audit}\n"
            + "routes:\n  - tool: ops\n    path-prefix: /tools/ops/\n    backend: http://127.0.0.1:9/\n";
    private static final String RULES = "policy:\n  operator: {groups: [oncall]}\n  rules:\n"
            + "    - {id: open, principals: {class: anonymous}, tool: ops, methods: [GET], paths: [health]}\n"
            + "    - {id: read, principals: {class: authenticated}, tool: ops, methods: [GET], paths: [queues]}\n"
            + "    - {id: drain, principals: {class: operator}, tool: ops, methods: [POST], paths: [drain]}\n";
    private static final String ISSUER = "trusted-issuers:\n  - issuer: https://idp.example.com\n"
            + "    audiences: [gw]\n    jwks: {url: https://idp.example.com/jwks}\n";

    @TempDir
    Path directory;

    @Test
    void existingKeyIsLoggedWithKid() throws Exception {
        GatewayConfig config = config(BASE);
        GatewayServer.start(config).close();
        Path keyFile = directory.resolve("signing-key.jwk");

        try (CapturedLogs logs = new CapturedLogs()) {
            GatewayServer.start(config).close();

            String kid = JWKSet.parse(Files.readString(keyFile)).getKeys().get(0).getKeyID();
            assertThat(logs.messages(Level.INFO)).contains("Loaded signing key " + kid + " from " + keyFile);
        }
    }

    @Test
    void rulesWithoutIssuersWarnOnce() throws Exception {
        try (CapturedLogs logs = new CapturedLogs()) {
            GatewayServer.start(config(BASE + RULES)).close();

            List<String> warnings = logs.messages(Level.WARN);
            assertThat(warnings).containsExactly("Policy rules \"read\", \"drain\" require an authenticated"
                    + " principal, but no"
                    + " trusted issuers are configured, so they can never match (add trusted-issuers to the"
                    + " configuration)");
        }
    }

    @Test
    void rulesWithTrustedIssuerDoNotWarn() throws Exception {
        try (CapturedLogs logs = new CapturedLogs()) {
            GatewayServer.start(config(BASE + RULES + ISSUER)).close();

            assertThat(logs.messages(Level.WARN)).isEmpty();
        }
    }

    @Test
    void ruleWithUntrustedIssuerWarns() throws Exception {
        String rules = "policy:\n  rules:\n    - {id: other, principals: {class: authenticated,"
                + " issuers: [https://other.example.com]}, tool: ops, methods: [GET], paths: [queues]}\n";
        try (CapturedLogs logs = new CapturedLogs()) {
            GatewayServer.start(config(BASE + rules + ISSUER)).close();

            assertThat(logs.messages(Level.WARN)).containsExactly("Policy rule \"other\" selects only issuers that"
                    + " are not in trusted-issuers, so it can never match (add the issuers to trusted-issuers)");
        }
    }

    private GatewayConfig config(String yaml) throws Exception {
        return ConfigLoader.load(Files.writeString(directory.resolve("gateway.yaml"), yaml));
    }
}
