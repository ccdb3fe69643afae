package dev.agentgateway.token.internal;

import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;
import dev.agentgateway.config.ReplayCacheConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers DPoP proofs in a Redis server shared by every replica, with one {@code SET key 1 NX PX ttl} per proof:
 * the reply {@code OK} means first use, no reply value means a replay. Thread-safe.
 *
 * <p>The key is the configured prefix followed by the base64url SHA-256 hash of the proof key thumbprint and
 * {@code jti}, each preceded by its length, so no raw proof value is stored and no two pairs share a key.
 *
 * <p>Fails closed: when Redis cannot be reached, refuses a command or does not reply within the command timeout,
 * {@link #markAsUsed} throws {@link ReplayCacheUnavailableException}. The start of such an outage is logged once at
 * ERROR and its end once at INFO. One connection is shared by all requests. It is opened at construction, and
 * opened again on the next request when that failed. Once open, Lettuce reconnects it in the background and rejects
 * commands while it is down, so requests do not queue behind a dead connection.
 */
public final class RedisReplayCache implements ReplayCache {

    private static final Logger LOG = LoggerFactory.getLogger(RedisReplayCache.class);
    /** Time between two background {@code PING}s, which keep {@link #isAvailable} current without traffic. */
    static final Duration PROBE_INTERVAL = Duration.ofMillis(500);
    /** Reconnect delays double from the lower bound up to the upper bound while Redis stays down. */
    private static final Duration RECONNECT_DELAY_MIN = Duration.ofMillis(10);
    private static final Duration RECONNECT_DELAY_MAX = Duration.ofSeconds(1);

    private final ProofWindow window;
    private final Clock clock;
    private final String keyPrefix;
    private final String redactedUri;
    private final List<String> secrets;
    private final ClientResources resources;
    private final RedisClient client;
    private final ReentrantLock connecting = new ReentrantLock();
    private final AtomicBoolean reachable = new AtomicBoolean(true);
    private final ScheduledExecutorService prober;
    private volatile StatefulRedisConnection<String, String> connection;

    /**
     * Creates the client and tries to connect. A failed connection is logged and does not fail construction, so
     * the gateway starts while Redis is down and rejects DPoP-protected requests until it responds.
     *
     * @param config URI, command timeout and key prefix
     * @param window acceptance window of proof {@code iat}s, which sets each key's time to live
     * @param clock time source for the time to live
     */
    public RedisReplayCache(ReplayCacheConfig.Redis config, ProofWindow window, Clock clock) {
        Objects.requireNonNull(config, "config");
        this.window = Objects.requireNonNull(window, "window");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.keyPrefix = config.keyPrefix();
        this.redactedUri = config.redactedUri();

        RedisURI uri = RedisURI.create(config.uri());
        uri.setTimeout(config.commandTimeout());
        this.secrets = secrets(config.uri());
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(RECONNECT_DELAY_MIN, RECONNECT_DELAY_MAX, 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(config.commandTimeout()).build())
                .build());
        try {
            connection();
        } catch (ReplayCacheUnavailableException e) {
            // Already logged as the start of an outage; requests fail closed until a connection succeeds.
        }
        this.prober = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "replay-cache-probe");
            thread.setDaemon(true);
            return thread;
        });
        prober.scheduleWithFixedDelay(this::probe, PROBE_INTERVAL.toMillis(), PROBE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Sends one {@code PING}; its outcome updates the state that {@link #isAvailable} reports. */
    private void probe() {
        try {
            run(RedisCommands::ping);
        } catch (ReplayCacheUnavailableException e) {
            // Logged by run() when the outage started; requests keep failing closed.
        } catch (RuntimeException e) {
            LOG.warn("DPoP replay cache probe of {} failed unexpectedly", redactedUri, e);
        }
    }

    @Override
    public void markAsUsed(String keyThumbprint, String proofId, Instant issuedAt) throws AlreadyUsedException {
        String key = key(keyPrefix, keyThumbprint, proofId);
        long lifetimeMillis = window.entryLifetime(issuedAt, clock.instant()).toMillis();
        String reply = run(commands -> commands.set(key, "1", SetArgs.Builder.nx().px(lifetimeMillis)));
        if (reply == null) {
            throw new AlreadyUsedException("DPoP proof jti already used");
        }
    }

    /**
     * Returns the outcome of the latest command or background {@code PING} without waiting, so readiness checks and
     * metric scrapes on an event loop do not wait for Redis. A background probe keeps it current when no request arrives.
     */
    @Override
    public boolean isAvailable() {
        return reachable.get();
    }

    /** Returns the Redis key of a proof: {@code prefix} and the base64url SHA-256 of both values, length-prefixed. */
    static String key(String prefix, String keyThumbprint, String proofId) {
        byte[] thumbprint = keyThumbprint.getBytes(StandardCharsets.UTF_8);
        byte[] jti = proofId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer input = ByteBuffer.allocate(8 + thumbprint.length + jti.length)
                .putInt(thumbprint.length).put(thumbprint)
                .putInt(jti.length).put(jti);
        try {
            return prefix + Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(input.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private <T> T run(Function<RedisCommands<String, String>, T> command) {
        T reply;
        try {
            reply = command.apply(connection().sync());
        } catch (RedisException e) {
            throw failed(e);
        }
        if (reachable.compareAndSet(false, true)) {
            LOG.info("DPoP replay cache at {} is reachable again; DPoP-protected requests are accepted again",
                    redactedUri);
        }
        return reply;
    }

    /**
     * Returns the shared connection, opening it when there is none. Only one thread opens it; others that find it
     * being opened fail at once instead of waiting.
     */
    private StatefulRedisConnection<String, String> connection() {
        StatefulRedisConnection<String, String> current = connection;
        if (current != null) {
            return current;
        }
        if (!connecting.tryLock()) {
            throw failed(new RedisException("another request is opening the connection"));
        }
        try {
            if (connection == null) {
                connection = client.connect();
            }
            return connection;
        } catch (RedisException e) {
            throw failed(e);
        } finally {
            connecting.unlock();
        }
    }

    private ReplayCacheUnavailableException failed(RedisException e) {
        String reason = describe(e);
        if (reachable.compareAndSet(true, false)) {
            LOG.error("DPoP replay cache at {} cannot be reached ({}); DPoP-protected requests fail with 503 until it"
                    + " is reachable again", redactedUri, reason);
        } else {
            LOG.debug("DPoP replay cache at {} still cannot be reached ({})", redactedUri, reason);
        }
        return new ReplayCacheUnavailableException("DPoP replay cache at " + redactedUri + " cannot be reached ("
                + reason + ")", e);
    }

    /** Returns the exception's class and message and those of its root cause, with any password masked. */
    private String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        if (root != failure) {
            text += "; caused by " + root.getClass().getSimpleName() + ": " + root.getMessage();
        }
        for (String secret : secrets) {
            text = text.replace(secret, "****");
        }
        return text;
    }

    /** Returns the URI's user information and its password part, decoded and raw, longest first. */
    private static List<String> secrets(URI uri) {
        List<String> secrets = new ArrayList<>();
        for (String userInfo : new String[] {uri.getRawUserInfo(), uri.getUserInfo()}) {
            if (userInfo != null) {
                secrets.add(userInfo);
                secrets.add(userInfo.substring(userInfo.indexOf(':') + 1));
            }
        }
        secrets.removeIf(String::isEmpty);
        secrets.sort(Comparator.comparingInt(String::length).reversed());
        return List.copyOf(secrets);
    }

    /** Closes the connection and stops the client's threads. */
    @Override
    public void close() {
        prober.shutdownNow();
        StatefulRedisConnection<String, String> current = connection;
        if (current != null) {
            current.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "RedisReplayCache[" + redactedUri + "]";
    }
}
