package dev.agentgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AdminConfigTest {

    /** Lines 1 to 5; the admin keys start on line 6 and the first credential on line 7. */
    private static final String PREFIX = """
            routes:
              - tool: ops
                path-prefix: /tools/ops/
                backend: http://127.0.0.1:8091/
            admin:
            """;
    /** SHA-256 of "test". */
    private static final String HASH_A = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    /** SHA-256 of "siem". */
    private static final String HASH_B = "5eabe06ffe1942a31cfba4b1f763e76775a81d957369e9e5a43752c5b89fc996";
    private static final String HASH_FORM = "(expected: 64 lowercase hex digits: the SHA-256 of the bearer token)";

    @TempDir
    Path directory;

    private AdminConfig load(String keys) throws ConfigException {
        return ConfigLoaderTest.loadYaml(PREFIX + keys, directory).admin();
    }

    @Test
    void absentHasNoCredentials() throws ConfigException {
        GatewayConfig config = ConfigLoaderTest.loadYaml(PREFIX.replace("admin:\n", ""), directory);

        assertThat(config.admin().credentials()).isEmpty();
    }

    @Test
    void emptyMappingHasNoCredentials() throws ConfigException {
        GatewayConfig config = ConfigLoaderTest.loadYaml(PREFIX.replace("admin:\n", "admin: {}\n"), directory);

        assertThat(config.admin()).isEqualTo(AdminConfig.none());
    }

    @Test
    void emptyListHasNoCredentials() throws ConfigException {
        assertThat(load("  credentials: []\n").credentials()).isEmpty();
    }

    @Test
    void twoCredentials() throws ConfigException {
        AdminConfig admin = load("  credentials:\n"
                + "    - name: siem\n      token-sha256: " + HASH_A + "\n"
                + "    - name: ops-console.2\n      token-sha256: " + HASH_B + "\n");

        assertThat(admin.credentials()).containsExactly(new AdminCredential("siem", HASH_A),
                new AdminCredential("ops-console.2", HASH_B));
        assertThat(admin.toString()).doesNotContain(HASH_A);
    }

    static Stream<Arguments> invalid() {
        String nameForm = "(expected: [a-z0-9][a-z0-9._-]*, for example siem)";
        return Stream.of(
                Arguments.of("  credentials:\n    - token-sha256: " + HASH_A + "\n", "gateway.yaml:7:"
                        + " admin.credentials[0].name: missing " + nameForm),
                Arguments.of("  credentials:\n    - name: siem\n", "gateway.yaml:7:"
                        + " admin.credentials[0].token-sha256: missing " + HASH_FORM),
                Arguments.of("  credentials:\n    - name: SIEM\n      token-sha256: " + HASH_A + "\n",
                        "gateway.yaml:7: admin.credentials[0].name: \"SIEM\" is not a credential name " + nameForm),
                Arguments.of("  credentials:\n    - name: -siem\n      token-sha256: " + HASH_A + "\n",
                        "gateway.yaml:7: admin.credentials[0].name: \"-siem\" is not a credential name " + nameForm),
                Arguments.of("  credentials:\n    - name: siem\n      token-sha256:\n", "gateway.yaml:8:"
                        + " admin.credentials[0].token-sha256: is empty " + HASH_FORM),
                Arguments.of("  credentials:\n    - name: siem\n      token-sha256: " + HASH_A.substring(1) + "\n",
                        "gateway.yaml:8: admin.credentials[0].token-sha256: is not a lowercase hex SHA-256 value"
                                + " (63 characters) " + HASH_FORM),
                Arguments.of("  credentials:\n    - name: siem\n      token-sha256: " + HASH_A.toUpperCase() + "\n",
                        "gateway.yaml:8: admin.credentials[0].token-sha256: is not a lowercase hex SHA-256 value"
                                + " (64 characters) " + HASH_FORM),
                Arguments.of("  credentials:\n    - name: siem\n      token-sha256: " + HASH_A + "\n"
                        + "    - name: siem\n      token-sha256: " + HASH_B + "\n", "gateway.yaml:9:"
                        + " admin.credentials[1].name: \"siem\" is already the name of admin.credentials[0]"
                        + " (expected: distinct credential names)"),
                Arguments.of("  credentials:\n    - name: siem\n      token-sha256: " + HASH_A + "\n"
                        + "    - name: backup\n      token-sha256: " + HASH_A + "\n", "gateway.yaml:10:"
                        + " admin.credentials[1].token-sha256: is the same as admin.credentials[0].token-sha256"
                        + " (expected: a distinct token for each credential)"),
                Arguments.of("  credentials:\n    - name: siem\n      token: abc\n", "gateway.yaml:8:"
                        + " admin.credentials[0].token: unknown key (expected: one of name, token-sha256)"),
                Arguments.of("  credentials: siem\n", "gateway.yaml:6: admin.credentials: is a string (expected: a"
                        + " list of credentials with keys name, token-sha256)"),
                Arguments.of("  users: []\n", "gateway.yaml:6: admin.users: unknown key (expected: one of"
                        + " credentials)"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void rejects(String keys, String message) {
        assertThatThrownBy(() -> load(keys)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void hashNeverQuoted() {
        String almost = HASH_A.substring(0, 63) + "g";

        assertThatThrownBy(() -> load("  credentials:\n    - name: siem\n      token-sha256: " + almost + "\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageNotContaining(almost.substring(0, 16));
    }
}
