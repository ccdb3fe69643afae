package dev.agentgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReplayCacheConfigTest {

    /** Lines 1 to 6; the replay-cache keys start on line 7. */
    private static final String PREFIX = """
            routes:
              - tool: ops
                path-prefix: /tools/ops/
                backend: http://127.0.0.1:8091/
            tokens:
              replay-cache:
            """;
    private static final String URI_FORM = "(expected: redis://[[user]:password@]host[:port][/database], or rediss://"
            + " for TLS)";

    @TempDir
    Path directory;

    private ReplayCacheConfig load(String keys) throws ConfigException {
        return ConfigLoaderTest.loadYaml(PREFIX + keys, directory).tokens().replayCache();
    }

    @Test
    void absentIsMemoryDefault() throws ConfigException {
        GatewayConfig config = ConfigLoaderTest.loadYaml(PREFIX.replace("  replay-cache:\n", "  clock-skew: 5s\n"),
                directory);

        assertThat(config.tokens().replayCache()).isEqualTo(new ReplayCacheConfig.Memory(1_000_000));
    }

    @Test
    void emptyMappingIsMemoryDefault() throws ConfigException {
        GatewayConfig config = ConfigLoaderTest.loadYaml(PREFIX.replace("replay-cache:\n", "replay-cache: {}\n"),
                directory);

        assertThat(config.tokens().replayCache()).isEqualTo(ReplayCacheConfig.defaults());
    }

    @Test
    void memoryWithMaxEntries() throws ConfigException {
        assertThat(load("    type: memory\n    max-entries: 5000\n")).isEqualTo(new ReplayCacheConfig.Memory(5000));
    }

    @Test
    void redisWithDefaults() throws ConfigException {
        assertThat(load("    type: redis\n    uri: redis://127.0.0.1:6379/0\n")).isEqualTo(new ReplayCacheConfig.Redis(
                URI.create("redis://127.0.0.1:6379/0"), Duration.ofMillis(500), "agent-gateway:dpop:"));
    }

    @Test
    void redisWithAllKeys() throws ConfigException {
        ReplayCacheConfig config = load("""
                    type: redis
                    uri: rediss://gateway:secret@redis.internal:6380/2
                    command-timeout: 250ms
                    key-prefix: "gw-a:dpop:"
                """);

        assertThat(config).isEqualTo(new ReplayCacheConfig.Redis(
                URI.create("rediss://gateway:secret@redis.internal:6380/2"), Duration.ofMillis(250), "gw-a:dpop:"));
        assertThat(config.toString()).doesNotContain("secret@");
    }

    @Test
    void otherTokenKeysKept() throws ConfigException {
        GatewayConfig config = ConfigLoaderTest.loadYaml(PREFIX + """
                    type: redis
                    uri: redis://127.0.0.1:6379
                  clock-skew: 10s
                """, directory);

        assertThat(config.tokens().clockSkew()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.tokens().replayCache()).isInstanceOf(ReplayCacheConfig.Redis.class);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("    type: disk\n", "gateway.yaml:7: tokens.replay-cache.type: \"disk\" is not a replay"
                        + " cache type (expected: memory or redis)"),
                Arguments.of("    kind: redis\n", "gateway.yaml:7: tokens.replay-cache.kind: unknown key (expected:"
                        + " one of type, max-entries, uri, command-timeout, key-prefix)"),
                Arguments.of("    type: redis\n", "gateway.yaml:7: tokens.replay-cache.uri: missing " + URI_FORM),
                Arguments.of("    uri: redis://127.0.0.1:6379\n", "gateway.yaml:7: tokens.replay-cache.uri: applies"
                        + " only to type redis (expected: type: redis, or no uri with type memory)"),
                Arguments.of("    type: memory\n    key-prefix: x\n", "gateway.yaml:8: tokens.replay-cache.key-prefix:"
                        + " applies only to type redis (expected: type: redis, or no key-prefix with type memory)"),
                Arguments.of("    type: redis\n    uri: redis://h\n    max-entries: 5\n", "gateway.yaml:9:"
                        + " tokens.replay-cache.max-entries: applies only to type memory (expected: type: memory, or"
                        + " no max-entries with type redis)"),
                Arguments.of("    max-entries: 0\n", "gateway.yaml:7: tokens.replay-cache.max-entries: \"0\" is out of"
                        + " range (expected: a whole number of at least 1)"),
                Arguments.of("    max-entries: -5\n", "gateway.yaml:7: tokens.replay-cache.max-entries: \"-5\" is not"
                        + " a whole number (expected: a whole number of at least 1)"),
                Arguments.of("    max-entries: 1e6\n", "gateway.yaml:7: tokens.replay-cache.max-entries: \"1e6\" is"
                        + " not a whole number (expected: a whole number of at least 1)"),
                Arguments.of("    type: redis\n    uri: http://127.0.0.1:6379\n", "gateway.yaml:8:"
                        + " tokens.replay-cache.uri: \"http://127.0.0.1:6379\" is not a redis or rediss URI "
                        + URI_FORM),
                Arguments.of("    type: redis\n    uri: 127.0.0.1:6379\n", "gateway.yaml:8: tokens.replay-cache.uri:"
                        + " \"127.0.0.1:6379\" is not an absolute URI " + URI_FORM),
                Arguments.of("    type: redis\n    uri: redis:///0\n", "gateway.yaml:8: tokens.replay-cache.uri:"
                        + " \"redis:///0\" has no host " + URI_FORM),
                Arguments.of("    type: redis\n    uri: redis://127.0.0.1:6379/cache\n", "gateway.yaml:8:"
                        + " tokens.replay-cache.uri: \"redis://127.0.0.1:6379/cache\" has a path that is not a"
                        + " database number " + URI_FORM),
                Arguments.of("    type: redis\n    uri: redis://127.0.0.1:6379/0?timeout=5s\n", "gateway.yaml:8:"
                        + " tokens.replay-cache.uri: \"redis://127.0.0.1:6379/0?timeout=5s\" has a query or fragment "
                        + URI_FORM),
                Arguments.of("    type: redis\n    uri: \"\"\n", "gateway.yaml:8: tokens.replay-cache.uri: is empty "
                        + URI_FORM),
                Arguments.of("    type: redis\n    uri: redis://h\n    command-timeout: 5ms\n", "gateway.yaml:9:"
                        + " tokens.replay-cache.command-timeout: \"5ms\" is out of range (expected: 10ms..10s)"),
                Arguments.of("    type: redis\n    uri: redis://h\n    command-timeout: 11s\n", "gateway.yaml:9:"
                        + " tokens.replay-cache.command-timeout: \"11s\" is out of range (expected: 10ms..10s)"),
                Arguments.of("    type: redis\n    uri: redis://h\n    key-prefix: \"\"\n", "gateway.yaml:9:"
                        + " tokens.replay-cache.key-prefix: is empty (expected: a Redis key prefix)"),
                Arguments.of("    - redis\n", "gateway.yaml:7: tokens.replay-cache: is a list (expected: a mapping"
                        + " with keys type, max-entries, uri, command-timeout, key-prefix)"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void rejects(String keys, String message) {
        assertThatThrownBy(() -> load(keys)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void passwordMaskedInErrors() {
        assertThatThrownBy(() -> load("    type: redis\n    uri: http://user:hunter2-secret@127.0.0.1:6379\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("\"http://****@127.0.0.1:6379\" is not a redis or rediss URI")
                .hasMessageNotContaining("hunter2-secret");
    }
}
