package dev.agentgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class InvalidConfigTest {

    /** Lines 1 to 4; cases append from line 5. */
    private static final String ROUTE = """
            routes:
              - tool: ops
                path-prefix: /tools/ops/
                backend: http://127.0.0.1:8091/
            """;

    private static final String ISSUER = ROUTE + """
            trusted-issuers:
              - issuer: https://idp.example.com
                audiences: [gw]
            """;

    private static final String RULE = ROUTE + """
            policy:
              rules:
                - id: r1
                  tool: ops
                  methods: [GET]
                  paths: [queues]
            """;

    /** A nonce secret of exactly the minimum length. */
    private static final String SECRET = "nonce-secret-0123456789abcdefghi";

    @TempDir
    static Path directory;

    static Stream<Arguments> cases() {
        return Stream.of(
                // Structure
                Arguments.of("", "gateway.yaml:1: the configuration is empty"
                        + " (expected: a YAML mapping with a routes key)"),
                Arguments.of("audit: {}\n", "gateway.yaml:1: routes: missing"
                        + " (expected: a list of at least one route)"),
                Arguments.of("- a\n", "gateway.yaml:1: is a list (expected: a mapping with keys listeners,"
                        + " public-origin, signing-key, audit, tokens, trusted-issuers, routes, policy, sample-tool,"
                        + " admin)"),
                Arguments.of(ROUTE + "---\nroutes: []\n", "gateway.yaml:6: a second YAML document starts here"
                        + " (expected: exactly one document)"),
                Arguments.of("routes: [\n", "gateway.yaml:2: invalid YAML: the file ends where a value was"
                        + " expected"),
                Arguments.of("routes: [a, b\nx: 1\n", "gateway.yaml:2: routes: invalid YAML: a [...] list is"
                        + " missing a ',' between items or its closing ']' (opened on line 1)"),
                Arguments.of("audit: {directory: x\n", "gateway.yaml:2: audit: invalid YAML: a {...} mapping is"
                        + " missing a ',' between entries or its closing '}' (opened on line 1)"),
                Arguments.of("audit:\n  directory: \"x\n", "gateway.yaml:3: audit.directory: invalid YAML: a"
                        + " quoted value is not closed before the end of the file (opened on line 2)"),
                Arguments.of("audit:\n  directory: a: b\n", "gateway.yaml:2: audit.directory: invalid YAML: a"
                        + " ':' appears where no key may start (quote a value that contains ': ', or fix the"
                        + " indentation)"),
                Arguments.of("listeners:\n  agent: 127.0.0.1:8080\n admin: x\n", "gateway.yaml:3: invalid"
                        + " YAML: the indentation of this line does not match the lines above it"),
                Arguments.of("listeners:\n\tagent: x\n", "gateway.yaml:2: invalid YAML: a tab character is not"
                        + " allowed here (YAML indents with spaces only)"),
                Arguments.of("audit:\n  directory: @x\n", "gateway.yaml:2: audit.directory: invalid YAML: a"
                        + " plain value cannot start with this character (quote the value)"),
                Arguments.of(ROUTE + "listener: {}\n", "gateway.yaml:5: listener: unknown key, did you mean"
                        + " listeners? (expected: listeners)"),
                Arguments.of(ROUTE + "    backend-audience: \"ops\\L\"\n", "gateway.yaml:5:"
                        + " routes[0].backend-audience: contains control character U+2028 at index 3 (expected: a non-empty"
                        + " string without control or invisible format characters)"),
                Arguments.of(ROUTE + "    backend-audience: \"o\\u200Bps\"\n", "gateway.yaml:5:"
                        + " routes[0].backend-audience: contains invisible formatting character U+200B at index 1 (expected: a non-empty"
                        + " string without control or invisible format characters)"),
                Arguments.of(ISSUER.replace("[gw]", "[\"g\\u202Ew\"]")
                        + "    jwks: {url: https://idp.example.com/jwks}\n", "gateway.yaml:7:"
                        + " trusted-issuers[0].audiences[0]: contains invisible formatting character U+202E at index 1 (expected: a list"
                        + " of non-empty audience strings without control or invisible format characters)"),
                Arguments.of(ROUTE + "colour: red\n", "gateway.yaml:5: colour: unknown key (expected: one of"
                        + " listeners, public-origin, signing-key, audit, tokens, trusted-issuers, routes, policy,"
                        + " sample-tool, admin)"),
                Arguments.of(ROUTE + "audit: {}\naudit: {}\n", "gateway.yaml:6: audit: duplicate key, first"
                        + " defined on line 5 (expected: each key once per mapping)"),
                Arguments.of(ROUTE + "listeners: 8080\n", "gateway.yaml:5: listeners: is a number"
                        + " (expected: a mapping with keys agent, admin)"),
                Arguments.of(ROUTE + "audit: {directory: !!str x}\n", "gateway.yaml:5: audit.directory: YAML tag"
                        + " \"tag:yaml.org,2002:str\" is not supported (expected: an untagged value)"),
                Arguments.of(ROUTE + "audit:\n  directory: ${DATA_DIR}/audit\n", "gateway.yaml:6: audit.directory:"
                        + " environment variable DATA_DIR is not set (expected: set DATA_DIR or remove the"
                        + " reference)"),
                Arguments.of(ROUTE + "audit:\n  directory: x${DATA-DIR}\n", "gateway.yaml:6: audit.directory:"
                        + " invalid environment reference \"${DATA-DIR}\" (expected: ${NAME} with NAME made of"
                        + " letters, digits and '_')"),
                Arguments.of(ROUTE + "audit:\n  directory:\n", "gateway.yaml:6: audit.directory: is empty"
                        + " (expected: a file system path)"),

                // Listeners, origin, signing key, tokens
                Arguments.of(ROUTE + "listeners: {agent: localhost}\n", "gateway.yaml:5: listeners.agent:"
                        + " \"localhost\" is not a listener address (expected: host:port, for example 127.0.0.1:8080"
                        + " or [::1]:8080)"),
                Arguments.of(ROUTE + "listeners: {agent: \"127.0.0.1:70000\"}\n", "gateway.yaml:5: listeners.agent:"
                        + " port 70000 is out of range (expected: 0..65535)"),
                Arguments.of(ROUTE + "listeners: {agent: \"[::g]:80\"}\n", "gateway.yaml:5: listeners.agent:"
                        + " \"[::g]:80\" is not a listener address (expected: host:port, for example 127.0.0.1:8080"
                        + " or [::1]:8080)"),
                Arguments.of(ROUTE + "listeners:\n  agent: 127.0.0.1:8080\n  admin: 0.0.0.0:8080\n",
                        "gateway.yaml:7: listeners.admin: admin listener uses the agent listener's port 8080"
                                + " (expected: a different port for each listener, or port 0 for both)"),
                Arguments.of(ROUTE + "listeners:\n  agent: 127.0.0.1:9090\n", "gateway.yaml:6: listeners.agent:"
                        + " admin listener uses the agent listener's port 9090 (expected: a different port for each"
                        + " listener, or port 0 for both)"),
                Arguments.of(ROUTE + "public-origin: https://gw.example.com/\n", "gateway.yaml:5: public-origin:"
                        + " \"https://gw.example.com/\" has a path, query or fragment (expected: scheme://host[:port]"
                        + " with scheme http or https, no path, no trailing slash)"),
                Arguments.of(ROUTE + "public-origin: ftp://gw.example.com\n", "gateway.yaml:5: public-origin:"
                        + " \"ftp://gw.example.com\" is not an http or https origin (expected: scheme://host[:port]"
                        + " with scheme http or https, no path)"),
                Arguments.of(ROUTE + "signing-key:\n  algorithm: RS256\n", "gateway.yaml:6: signing-key.algorithm:"
                        + " \"RS256\" is not a supported signing algorithm (expected: ES256 or EdDSA)"),
                Arguments.of(ROUTE + "signing-key:\n  algorithm: eddsa\n", "gateway.yaml:6: signing-key.algorithm:"
                        + " \"eddsa\" is not a supported signing algorithm (expected: ES256 or EdDSA)"),
                Arguments.of(ROUTE + "tokens:\n  capability-lifetime: 301s\n", "gateway.yaml:6:"
                        + " tokens.capability-lifetime: \"301s\" is out of range (expected: 1s..300s)"),
                Arguments.of(ROUTE + "tokens:\n  proof-max-age: 0s\n", "gateway.yaml:6: tokens.proof-max-age:"
                        + " \"0s\" is out of range (expected: 1s..300s)"),
                Arguments.of(ROUTE + "tokens:\n  clock-skew: 2m\n", "gateway.yaml:6: tokens.clock-skew: \"2m\" is"
                        + " out of range (expected: 0s..60s)"),
                Arguments.of(ROUTE + "tokens:\n  txn-token-lifetime: 5 minutes\n", "gateway.yaml:6:"
                        + " tokens.txn-token-lifetime: \"5 minutes\" is not a duration (expected: a duration such as"
                        + " 250ms, 5s, 10m, 12h or PT5M)"),
                Arguments.of(ROUTE + "tokens:\n  clock-skew: 5\n", "gateway.yaml:6: tokens.clock-skew: \"5\" is not"
                        + " a duration (expected: a duration such as 250ms, 5s, 10m, 12h or PT5M)"),
                Arguments.of(ROUTE + "tokens:\n  clock-skew: -PT5S\n", "gateway.yaml:6: tokens.clock-skew:"
                        + " \"-PT5S\" is not a duration (expected: a duration such as 250ms, 5s, 10m, 12h or PT5M)"),
                Arguments.of(ROUTE + "tokens:\n  dpop-nonce:\n    lifetime: 4s\n", "gateway.yaml:7:"
                        + " tokens.dpop-nonce.lifetime: \"4s\" is out of range (expected: 5s..10m)"),
                Arguments.of(ROUTE + "tokens:\n  dpop-nonce:\n    lifetime: 601s\n", "gateway.yaml:7:"
                        + " tokens.dpop-nonce.lifetime: \"601s\" is out of range (expected: 5s..10m)"),
                Arguments.of(ROUTE + "tokens:\n  dpop-nonce:\n    token-endpoint: always\n", "gateway.yaml:7:"
                        + " tokens.dpop-nonce.token-endpoint: \"always\" is not a DPoP nonce mode (expected: off,"
                        + " offered or required)"),
                Arguments.of(ROUTE + "tokens:\n  dpop-nonce:\n    token-endpoint: REQUIRED\n", "gateway.yaml:7:"
                        + " tokens.dpop-nonce.token-endpoint: \"REQUIRED\" is not a DPoP nonce mode (expected: off,"
                        + " offered or required)"),
                Arguments.of(ROUTE + "tokens:\n  dpop-nonce:\n    secret: [x]\n", "gateway.yaml:7:"
                        + " tokens.dpop-nonce.secret: unknown key, did you mean secrets? (expected: secrets)"),
                Arguments.of(ROUTE + "tokens:\n  dpop-nonce:\n    secrets: " + SECRET + "\n", "gateway.yaml:7:"
                        + " tokens.dpop-nonce.secrets: is a string (expected: a list of distinct secrets of at"
                        + " least 32 characters)"),
                Arguments.of(ROUTE + "tokens:\n  dpop-nonce:\n    secrets: [\"\"]\n", "gateway.yaml:7:"
                        + " tokens.dpop-nonce.secrets[0]: is empty (expected: a secret)"),
                Arguments.of(ROUTE + "tokens:\n  dpop-nonce: {secrets: [" + SECRET
                        + ", 0123456789abcdef0123456789abcde]}\n",
                        "gateway.yaml:6: tokens.dpop-nonce.secrets[1]: secret has 31 characters (expected: at least 32"
                        + " characters)"),
                Arguments.of(ROUTE + "tokens:\n  dpop-nonce:\n    secrets:\n      - " + SECRET + "\n      - "
                        + SECRET + "\n", "gateway.yaml:9: tokens.dpop-nonce.secrets[1]: secret is the same as"
                        + " tokens.dpop-nonce.secrets[0] (expected: distinct secrets)"),
                Arguments.of(ROUTE + "tokens:\n  dpop-nonce:\n    secrets: [\"" + SECRET + "\\n\"]\n",
                        "gateway.yaml:7: tokens.dpop-nonce.secrets[0]: contains control character U+000A at index 32"
                        + " (expected: a secret without control or invisible format characters)"),
                Arguments.of(ROUTE + "tokens:\n  verified-token-cache-size: -1\n", "gateway.yaml:6:"
                        + " tokens.verified-token-cache-size: \"-1\" is not a whole number (expected: a whole number,"
                        + " 0 or more (0 turns the cache off))"),
                Arguments.of(ROUTE + "tokens:\n  verified-token-cache-size: 1e6\n", "gateway.yaml:6:"
                        + " tokens.verified-token-cache-size: \"1e6\" is not a whole number (expected: a whole"
                        + " number, 0 or more (0 turns the cache off))"),
                Arguments.of(ROUTE + "tokens:\n  verified-token-cache-size: 9999999999999999999\n",
                        "gateway.yaml:6: tokens.verified-token-cache-size: \"9999999999999999999\" is not a whole"
                        + " number (expected: a whole number, 0 or more (0 turns the cache off))"),
                Arguments.of(ROUTE + "    dpop-nonce: sometimes\n", "gateway.yaml:5: routes[0].dpop-nonce:"
                        + " \"sometimes\" is not a DPoP nonce mode (expected: off, offered or required)"),
                Arguments.of(ROUTE + "    dpop-nonce: [required]\n", "gateway.yaml:5: routes[0].dpop-nonce:"
                        + " is a list (expected: off, offered or required)"),
                Arguments.of(ROUTE + "sample-tool: {listener: 127.0.0.1:8080}\n", "gateway.yaml:5:"
                        + " sample-tool.listener: port 8080 is already used by the agent or admin listener"
                        + " (expected: a port of its own, or port 0)"),

                // Routes
                Arguments.of("routes: []\n", "gateway.yaml:1: routes: is empty (expected: a list of at least one"
                        + " route)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /tools/ops/\n    backend: ftp://x\n",
                        "gateway.yaml:4: routes[0].backend: \"ftp://x\" is not an http URL"
                                + " (expected: http://host:port/...)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /tools/ops/\n    backend: http://backend/\n",
                        "gateway.yaml:4: routes[0].backend: \"http://backend/\" has no port"
                                + " (expected: http://host:port/...)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /tools/ops/\n    backend: http://127.0.0.1/\n",
                        "gateway.yaml:4: routes[0].backend: \"http://127.0.0.1/\" has no port"
                                + " (expected: http://host:port/...)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /tools/ops/\n    backend: http://:8091/\n",
                        "gateway.yaml:4: routes[0].backend: \"http://:8091/\" has no host"
                                + " (expected: http://host:port/...)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /tools/ops/\n"
                                + "    backend: https://127.0.0.1:8443/\n",
                        "gateway.yaml:4: routes[0].backend: \"https://127.0.0.1:8443/\": https backends are not"
                                + " supported yet (expected: http://host:port/...)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /t/\n    backend: http://u:pw@h:1/\n",
                        "gateway.yaml:4: routes[0].backend: URL contains user information"
                                + " (expected: http://host:port/...)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /tools/ops/\n",
                        "gateway.yaml:2: routes[0].backend: missing (expected: http://host:port/...)"),
                Arguments.of("routes:\n  - tool: Ops\n    path-prefix: /t/\n    backend: http://h:1/\n",
                        "gateway.yaml:2: routes[0].tool: \"Ops\" is not a valid tool name"
                                + " (expected: a name matching [a-z0-9][a-z0-9._-]*)"),
                Arguments.of("routes:\n  - tool: ops\n    path_prefix: /t/\n", "gateway.yaml:3: routes[0].path_prefix:"
                        + " unknown key, did you mean path-prefix? (expected: path-prefix)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /tools/ops\n    backend: http://h:1/\n",
                        "gateway.yaml:3: routes[0].path-prefix: \"/tools/ops\" does not start and end with '/'"
                                + " (expected: a path starting and ending with '/', for example /tools/ops/)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /tools//ops/\n    backend: http://h:1/\n",
                        "gateway.yaml:3: routes[0].path-prefix: \"/tools//ops/\" is not a normalized path"
                                + " (expected: a path starting and ending with '/', for example /tools/ops/,"
                                + " without empty, '.' or '..' segments or percent-encoding)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /oauth2/ops/\n    backend: http://h:1/\n",
                        "gateway.yaml:3: routes[0].path-prefix: \"/oauth2/ops/\" is inside the gateway's own"
                                + " /oauth2/ endpoints (expected: a prefix outside /oauth2/ and /.well-known/)"),
                Arguments.of(ROUTE + "  - tool: ops2\n    path-prefix: /tools/ops/x/\n    backend: http://h:1/\n",
                        "gateway.yaml:6: routes[1].path-prefix: \"/tools/ops/x/\" overlaps \"/tools/ops/\" of"
                                + " routes[0] (expected: prefixes of which none starts with another)"),
                Arguments.of(ROUTE + "  - tool: ops\n    path-prefix: /other/\n    backend: http://h:1/\n",
                        "gateway.yaml:5: routes[1].tool: \"ops\" is already the tool of routes[0]"
                                + " (expected: unique tool names)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /t/\n    backend: http://h:1/\n"
                        + "    response-timeout: 11m\n", "gateway.yaml:5: routes[0].response-timeout: \"11m\" is"
                        + " out of range (expected: 1ms..10m)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /t/\n    backend: http://h:1/\n"
                        + "    idle-timeout: 500ms\n", "gateway.yaml:5: routes[0].idle-timeout: \"500ms\" is"
                        + " out of range (expected: 1s..10m)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /t/\n    backend: http://h:1/\n"
                        + "    idle-timeout: 11m\n", "gateway.yaml:5: routes[0].idle-timeout: \"11m\" is"
                        + " out of range (expected: 1s..10m)"),
                Arguments.of("routes:\n  - tool: ops\n    path-prefix: /t/\n    backend: http://h:1/\n"
                        + "    idle-timeout: soon\n", "gateway.yaml:5: routes[0].idle-timeout: \"soon\" is"
                        + " not a duration (expected: a duration such as 250ms, 5s, 10m, 12h or PT5M)"),

                // Trusted issuers
                Arguments.of(ISSUER + "    jwks: {url: https://idp.example.com/jwks}\n"
                        + "    algorithms: [ES256, none]\n", "gateway.yaml:9: trusted-issuers[0].algorithms[1]:"
                        + " \"none\" would accept unsigned tokens (expected: asymmetric JWS algorithms from RS256,"
                        + " RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, ES256K, EdDSA)"),
                Arguments.of(ISSUER + "    jwks: {url: https://idp.example.com/jwks}\n    algorithms: [HS256]\n",
                        "gateway.yaml:9: trusted-issuers[0].algorithms[0]: \"HS256\" is an HMAC algorithm, whose"
                                + " shared secret would let the gateway forge tokens (expected: asymmetric JWS"
                                + " algorithms from RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512,"
                                + " ES256K, EdDSA)"),
                Arguments.of(ROUTE + "trusted-issuers:\n  - issuer: http://idp.example.com\n",
                        "gateway.yaml:6: trusted-issuers[0].issuer: \"http://idp.example.com\" uses http for a host"
                                + " that is not loopback (expected: an https URL without query or fragment"
                                + " (http only for loopback))"),
                Arguments.of(ROUTE + "trusted-issuers:\n  - issuer: https://idp.example.com\n    audiences: []\n",
                        "gateway.yaml:7: trusted-issuers[0].audiences: is empty (expected: at least one audience)"),
                Arguments.of(ISSUER, "gateway.yaml:6: trusted-issuers[0].jwks: missing (expected: a mapping with"
                        + " one of inline, file or url)"),
                Arguments.of(ISSUER + "    jwks: {url: https://idp.example.com/jwks, file: jwks.json}\n",
                        "gateway.yaml:8: trusted-issuers[0].jwks: names file and url (expected: exactly one of"
                                + " inline, file or url)"),
                Arguments.of(ISSUER + "    jwks: {url: http://169.254.169.254/jwks}\n",
                        "gateway.yaml:8: trusted-issuers[0].jwks.url: \"http://169.254.169.254/jwks\" uses http for"
                                + " a host that is not loopback (expected: an https URL (http only for loopback))"),
                Arguments.of(ISSUER + "    jwks: {file: jwks.json, cache-lifetime: 5m}\n", "gateway.yaml:8:"
                        + " trusted-issuers[0].jwks.cache-lifetime: applies only to a key set fetched from a URL"
                        + " (expected: url together with cache-lifetime, or no cache-lifetime)"),
                Arguments.of(ISSUER + "    jwks:\n      inline: {keys: []}\n      outage-tolerance: 1h\n",
                        "gateway.yaml:10: trusted-issuers[0].jwks.outage-tolerance: applies only to a key set"
                                + " fetched from a URL (expected: url together with outage-tolerance, or no"
                                + " outage-tolerance)"),
                Arguments.of(ISSUER + "    jwks:\n      url: https://idp.example.com/jwks\n"
                        + "      cache-lifetime: 0s\n", "gateway.yaml:10: trusted-issuers[0].jwks.cache-lifetime:"
                        + " \"0s\" is out of range (expected: 1s..24h)"),
                Arguments.of(ISSUER + "    jwks:\n      url: https://idp.example.com/jwks\n"
                        + "      outage-tolerance: later\n", "gateway.yaml:10:"
                        + " trusted-issuers[0].jwks.outage-tolerance: \"later\" is not a duration (expected: a"
                        + " duration such as 250ms, 5s, 10m, 12h or PT5M)"),
                Arguments.of(ISSUER + "    jwks:\n      url: https://idp.example.com/jwks\n"
                        + "      cache-lifetime: 1m\n      refresh-min-interval: 2m\n", "gateway.yaml:11:"
                        + " trusted-issuers[0].jwks.refresh-min-interval: 120s is longer than cache-lifetime 60s"
                        + " (expected: at most the cache lifetime, so an expired key set can be fetched again)"),
                Arguments.of(ISSUER + "    jwks: {inline: {kes: []}}\n", "gateway.yaml:8:"
                        + " trusted-issuers[0].jwks.inline: JWK set has no \"keys\" array (expected: a JWK set: a"
                        + " mapping with a keys list, or the same as a JSON string)"),
                Arguments.of(ISSUER + "    jwks: {inline: {keys: [{kty: EC, d: c2VjcmV0}]}}\n", "gateway.yaml:8:"
                        + " trusted-issuers[0].jwks.inline: JWK set keys[0] contains private or secret key member"
                        + " \"d\" (expected: a JWK set: a mapping with a keys list, or the same as a JSON string)"),
                Arguments.of(ISSUER + "    jwks: {inline: '{\"keys\": ['}\n", "gateway.yaml:8:"
                        + " trusted-issuers[0].jwks.inline: JWK set is not valid JSON: Unexpected end-of-input:"
                        + " expected close marker for Array at line 1, column 11 (expected: a JWK set: a mapping"
                        + " with a keys list, or the same as a JSON string)"),
                Arguments.of(ISSUER + "    jwks: {file: absent.json}\n", "gateway.yaml:8:"
                        + " trusted-issuers[0].jwks.file: file \"" + directory.resolve("absent.json")
                        + "\" does not exist or is not a readable file (expected: a readable JWK set file, relative"
                        + " paths resolve against " + directory + ")"),
                Arguments.of(ROUTE.replace("/tools/ops/", "/"), "gateway.yaml:3: routes[0].path-prefix: \"/\""
                        + " would cover the gateway's own endpoints (expected: a path starting and ending with '/',"
                        + " for example /tools/ops/, with at least one segment)"),
                Arguments.of(ROUTE + "x: *anchor\n", "gateway.yaml:5: x: YAML alias *anchor is not supported"
                        + " (expected: the value written out in full)"),
                Arguments.of(ISSUER + "    jwks: {url: https://idp.example.com/jwks}\n"
                        + "  - issuer: https://idp.example.com\n    audiences: [gw]\n"
                        + "    jwks: {url: https://idp.example.com/jwks}\n", "gateway.yaml:9:"
                        + " trusted-issuers[1].issuer: \"https://idp.example.com\" is already trusted-issuers[0]"
                        + " (expected: each issuer once)"),

                // Policy
                Arguments.of(RULE.replace("tool: ops\n      methods", "tool: docs\n      methods"),
                        "gateway.yaml:8: policy.rules[0].tool: \"docs\" names no route (expected: the tool of a"
                                + " route: ops)"),
                Arguments.of(RULE.replace("[GET]", "[GET, get]"), "gateway.yaml:9: policy.rules[0].methods[1]:"
                        + " \"get\" is not an upper-case method token (expected: a list of upper-case HTTP methods,"
                        + " for example [GET, POST])"),
                Arguments.of(RULE.replace("[queues]", "[\"a/**/b\"]"), "gateway.yaml:10: policy.rules[0].paths[0]:"
                        + " \"a/**/b\" has '**' before the last segment (expected: segments separated by '/', each a"
                        + " literal, '*' or a final '**', without a leading '/')"),
                Arguments.of(RULE.replace("[queues]", "[\"q*\"]"), "gateway.yaml:10: policy.rules[0].paths[0]:"
                        + " \"q*\" has '*' inside a segment (expected: segments separated by '/', each a literal, '*'"
                        + " or a final '**', without a leading '/')"),
                Arguments.of(RULE.replace("[queues]", "[/queues]"), "gateway.yaml:10: policy.rules[0].paths[0]:"
                        + " \"/queues\" starts with '/' (expected: segments separated by '/', each a literal, '*' or"
                        + " a final '**', without a leading '/')"),
                Arguments.of(RULE + "      scope: ops read\n", "gateway.yaml:11: policy.rules[0].scope: \"ops read\""
                        + " is not a scope token (expected: one scope token without spaces, for example ops.read)"),
                Arguments.of(RULE + "    - id: r1\n      tool: ops\n      methods: [GET]\n      paths: [x]\n",
                        "gateway.yaml:11: policy.rules[1].id: \"r1\" is already the id of policy.rules[0]"
                                + " (expected: unique rule ids)"),
                Arguments.of(RULE + "      principals: {class: admin}\n", "gateway.yaml:11:"
                        + " policy.rules[0].principals.class: \"admin\" is not a principal class (expected:"
                        + " anonymous, authenticated, operator)"),
                Arguments.of(RULE + "      principals: {class: operator}\n", "gateway.yaml:6:"
                        + " policy.operator.groups: missing or empty, but policy.rules[0] requires class operator"
                        + " (expected: at least one on-call group)"),
                Arguments.of(RULE + "  operator: {max-auth-age: 8d}\n", "gateway.yaml:11:"
                        + " policy.operator.max-auth-age: \"8d\" is not a duration (expected: a duration such as"
                        + " 250ms, 5s, 10m, 12h or PT5M)"),
                Arguments.of(RULE + "  operator: {max-auth-age: P8D}\n", "gateway.yaml:11:"
                        + " policy.operator.max-auth-age: \"P8D\" is out of range (expected: 1s..168h)"),
                Arguments.of(RULE + "  operator: {group: [oncall]}\n", "gateway.yaml:11: policy.operator.group:"
                        + " unknown key, did you mean groups? (expected: groups)"),
                Arguments.of(RULE.replace("      paths: [queues]\n", ""), "gateway.yaml:7: policy.rules[0].paths:"
                        + " missing (expected: a list of path patterns: segments separated by '/', each a literal,"
                        + " '*' or a final '**', without a leading '/')"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("cases")
    void rejects(String yaml, String message) {
        assertThatThrownBy(() -> ConfigLoaderTest.loadYaml(yaml, directory))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[\"short-secret-value\"]", "[\"%1$s\", \"%1$s\"]", "[\"%1$s\\u0000\"]",
        "[\"%1$s\", \"short-secret-value\"]"})
    void nonceSecretNeverInMessage(String secrets) {
        String yaml = ROUTE + "tokens:\n  dpop-nonce:\n    secrets: " + secrets.formatted(SECRET) + "\n";

        assertThatThrownBy(() -> ConfigLoaderTest.loadYaml(yaml, directory))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("short-secret").doesNotContain("0123456789"));
    }
}
