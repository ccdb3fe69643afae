package dev.agentgateway.gateway.demo;

import dev.agentgateway.gateway.sample.SampleIdentityProvider;

/**
 * The gateway configuration the demo runs with, as YAML. Everything listens on 127.0.0.1 with ephemeral ports, and
 * relative paths resolve against the work directory the file is written to.
 */
final class DemoConfig {

    /** Tool name of the sample ops tool's route, the capability tokens' audience. */
    static final String TOOL = "ops";

    /** Path prefix of the sample ops tool's route. */
    static final String ROUTE_PREFIX = "/tools/ops/";

    private DemoConfig() {
    }

    /**
     * Returns the configuration: {@code idp} as the only trusted issuer (its JWK set inline), one route to
     * {@code backendUrl}, and rules that let any authenticated person read and only an on-call operator who
     * logged in with a hardware key drain nodes or fail over.
     */
    static String yaml(SampleIdentityProvider idp, String backendUrl) {
        return """
                # Written by `agent-gateway demo` at the start of each run; edits are overwritten.
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                signing-key:
                  path: %s
                audit:
                  directory: %s
                trusted-issuers:
                  - issuer: "%s"
                    audiences: [%s]
                    algorithms: [ES256]
                    token-types: [JWT]
                    jwks:
                      inline: %s
                routes:
                  - tool: %s
                    path-prefix: %s
                    backend: "%s"
                policy:
                  operator:
                    groups: [oncall]
                    required-amr: [hwk]
                  rules:
                    - id: ops-read
                      principals:
                        class: authenticated
                      tool: ops
                      methods: [GET]
                      paths: [queues, health]
                      scope: ops.read
                    - id: ops-drain
                      principals:
                        class: operator
                      tool: ops
                      methods: [POST]
                      paths: ["nodes/*/drain"]
                      scope: ops.write
                    - id: ops-failover
                      principals:
                        class: operator
                      tool: ops
                      methods: [POST]
                      paths: [failover]
                      scope: ops.write
                """.formatted(DemoWorkDirectory.SIGNING_KEY_FILE, DemoWorkDirectory.AUDIT_DIRECTORY,
                idp.issuer(), SampleIdentityProvider.DEFAULT_AUDIENCE, idp.publicJwksJson(), TOOL, ROUTE_PREFIX,
                backendUrl);
    }
}
