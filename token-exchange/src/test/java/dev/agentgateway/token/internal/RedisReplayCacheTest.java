package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;
import dev.agentgateway.config.ReplayCacheConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisReplayCacheTest {

    static final String PREFIX = "test:dpop:";
    static final String THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
    static final String JTI = "e1j3V_bKic8-LAEB";

    @RegisterExtension
    final RedisServerExtension redis = new RedisServerExtension();

    final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    final ProofWindow window = new ProofWindow(Duration.ofSeconds(60), Duration.ofSeconds(5));

    RedisReplayCache cache;
    RedisClient inspectorClient;
    StatefulRedisConnection<String, String> inspectorConnection;
    RedisCommands<String, String> inspector;

    @BeforeEach
    void setUp() {
        cache = cache(redis.uri());
        inspectorClient = RedisClient.create(redis.uri().toString());
        inspectorConnection = inspectorClient.connect();
        inspector = inspectorConnection.sync();
    }

    @AfterEach
    void tearDown() {
        cache.close();
        inspectorConnection.close();
        inspectorClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    RedisReplayCache cache(URI uri) {
        return new RedisReplayCache(new ReplayCacheConfig.Redis(uri, Duration.ofMillis(500), PREFIX), window, clock);
    }

    @Test
    void firstUseThenReplay() throws Exception {
        cache.markAsUsed(THUMBPRINT, JTI, clock.instant());

        assertThatThrownBy(() -> cache.markAsUsed(THUMBPRINT, JTI, clock.instant()))
                .isInstanceOf(AlreadyUsedException.class);
    }

    @Test
    void otherKeyOrJtiAccepted() throws Exception {
        cache.markAsUsed(THUMBPRINT, JTI, clock.instant());

        assertThatCode(() -> cache.markAsUsed("other-thumbprint", JTI, clock.instant())).doesNotThrowAnyException();
        assertThatCode(() -> cache.markAsUsed(THUMBPRINT, "other-jti", clock.instant())).doesNotThrowAnyException();
    }

    @Test
    void twoClientsShareEntries() throws Exception {
        try (RedisReplayCache replica = cache(redis.uri())) {
            cache.markAsUsed(THUMBPRINT, JTI, clock.instant());

            assertThatThrownBy(() -> replica.markAsUsed(THUMBPRINT, JTI, clock.instant()))
                    .isInstanceOf(AlreadyUsedException.class);
        }
    }

    @Test
    void keyHidesProofValues() throws Exception {
        cache.markAsUsed(THUMBPRINT, JTI, clock.instant());

        List<String> keys = inspector.keys("*");
        assertThat(keys).containsExactly(RedisReplayCache.key(PREFIX, THUMBPRINT, JTI));
        assertThat(keys.get(0)).startsWith(PREFIX);
        assertThat(keys.get(0)).doesNotContain(JTI);
        assertThat(keys.get(0)).doesNotContain(THUMBPRINT);
        assertThat(keys.get(0)).hasSize(PREFIX.length() + 43);
    }

    @Test
    void keyEncodingUnambiguous() {
        assertThat(RedisReplayCache.key(PREFIX, "ab", "c")).isNotEqualTo(RedisReplayCache.key(PREFIX, "a", "bc"));
        assertThat(RedisReplayCache.key(PREFIX, "a b", "c")).isNotEqualTo(RedisReplayCache.key(PREFIX, "a", "b c"));
    }

    @Test
    void ttlSetFromFutureIat() throws Exception {
        cache.markAsUsed(THUMBPRINT, JTI, clock.instant().plusSeconds(5));

        long ttl = inspector.pttl(RedisReplayCache.key(PREFIX, THUMBPRINT, JTI));
        // 60 s max age, 5 s skew each way and 1 s margin; Redis counts down from the moment it stored the key.
        assertThat(ttl).isBetween(61_000L, 71_000L);
    }

    @Test
    void ttlSetFromOldIat() throws Exception {
        cache.markAsUsed(THUMBPRINT, JTI, clock.instant().minusSeconds(30));

        long ttl = inspector.pttl(RedisReplayCache.key(PREFIX, THUMBPRINT, JTI));
        // Accepted until 35 s from now, plus the 1 s margin.
        assertThat(ttl).isBetween(26_000L, 36_000L);
    }

    @Test
    void stoppedRedisFailsClosed() throws Exception {
        cache.markAsUsed(THUMBPRINT, JTI, clock.instant());
        redis.stop();

        assertThatThrownBy(() -> cache.markAsUsed(THUMBPRINT, "new-jti", clock.instant()))
                .isInstanceOf(ReplayCacheUnavailableException.class)
                .hasMessageContaining("redis://127.0.0.1:" + redis.port() + "/0");
        assertThat(cache.isAvailable()).isFalse();
    }

    @Test
    void slowRedisFailsClosed() throws Exception {
        ReplayCacheConfig.Redis config = new ReplayCacheConfig.Redis(redis.uri(), Duration.ofMillis(50), PREFIX);
        try (RedisReplayCache impatient = new RedisReplayCache(config, window, clock)) {
            // Redis delays every client's write commands until the inspector ends the pause, so the 50 ms command
            // timeout passes first however slowly this thread reaches the SET. The pause's own bound of 60 s is
            // reached only when CLIENT UNPAUSE fails.
            client("PAUSE", "60000", "WRITE");

            assertThatThrownBy(() -> impatient.markAsUsed(THUMBPRINT, JTI, clock.instant()))
                    .isInstanceOf(ReplayCacheUnavailableException.class)
                    .hasMessageContaining("timed out");

            assertThat(client("UNPAUSE")).isEqualTo("OK");
            awaitTrue(impatient::isAvailable);
            assertThatCode(() -> impatient.markAsUsed(THUMBPRINT, "new-jti", clock.instant()))
                    .doesNotThrowAnyException();
            // The timed-out SET ran once the pause ended, so that proof stays used: the client retries with a new one.
            assertThatThrownBy(() -> impatient.markAsUsed(THUMBPRINT, JTI, clock.instant()))
                    .isInstanceOf(AlreadyUsedException.class);
        }
    }

    @Test
    void startsWhileRedisDown() throws Exception {
        cache.close();
        redis.stop();
        try (LogCapture log = LogCapture.of(RedisReplayCache.class)) {
            cache = cache(redis.uri());

            assertThatThrownBy(() -> cache.markAsUsed(THUMBPRINT, JTI, clock.instant()))
                    .isInstanceOf(ReplayCacheUnavailableException.class);
            assertThat(log.messages(Level.ERROR)).hasSize(1);

            redis.start();
            awaitTrue(cache::isAvailable);
            assertThatCode(() -> cache.markAsUsed(THUMBPRINT, JTI, clock.instant())).doesNotThrowAnyException();
            // The thread that finds Redis reachable again sets the state first and logs after, so wait for the line.
            awaitTrue(() -> !log.messages(Level.INFO).isEmpty());
            assertThat(log.messages(Level.INFO)).hasSize(1);
        }
    }

    @Test
    void passwordNeverLogged() throws Exception {
        cache.close();
        URI withPassword = URI.create("redis://gateway:pa55-w0rd-secret@127.0.0.1:" + redis.port() + "/0");
        try (LogCapture log = LogCapture.of(RedisReplayCache.class)) {
            // This server has no password set, so authentication fails.
            cache = cache(withPassword);

            assertThatThrownBy(() -> cache.markAsUsed(THUMBPRINT, JTI, clock.instant()))
                    .isInstanceOf(ReplayCacheUnavailableException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pa55-w0rd-secret"));
            assertThat(log.messages(Level.ERROR)).singleElement().asString()
                    .contains("redis://127.0.0.1:" + redis.port() + "/0")
                    .doesNotContain("pa55-w0rd-secret");
        }
    }

    /** Sends {@code CLIENT} with {@code arguments} on the inspector's connection and returns the status reply. */
    private String client(String... arguments) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
        for (String argument : arguments) {
            args.add(argument);
        }
        return inspector.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8), args);
    }

    /** Polls {@code condition} until it holds; fails after 30 s. Only waits for Redis or its log lines. */
    static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition still false after 30 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
