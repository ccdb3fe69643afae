package dev.agentgateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/** Storage for the DPoP proofs the gateway has accepted, so each is accepted once (RFC 9449 §11.1). */
public sealed interface ReplayCacheConfig {

    /** Default bound of the in-memory cache. */
    long DEFAULT_MAX_ENTRIES = 1_000_000;

    /** Returns the default: an in-memory cache of {@link #DEFAULT_MAX_ENTRIES} entries. */
    static ReplayCacheConfig defaults() {
        return new Memory(DEFAULT_MAX_ENTRIES);
    }

    /**
     * A bounded cache in this process, for a single replica.
     *
     * @param maxEntries bound on remembered proofs
     */
    record Memory(long maxEntries) implements ReplayCacheConfig {
        public Memory {
            if (maxEntries < 1) {
                throw new IllegalArgumentException("maxEntries: " + maxEntries + " (expected: at least 1)");
            }
        }
    }

    /**
     * A Redis server shared by every replica.
     *
     * @param uri Redis URI, for example {@code redis://127.0.0.1:6379/0}; it may hold a password, so it is never
     *     logged or printed whole
     * @param commandTimeout how long one replay check may wait for Redis before the request fails closed
     * @param keyPrefix prefix of every key the gateway writes, so several gateways can share one database
     */
    record Redis(URI uri, Duration commandTimeout, String keyPrefix) implements ReplayCacheConfig {

        /** Default command timeout. */
        public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(500);
        /** Default key prefix. */
        public static final String DEFAULT_KEY_PREFIX = "agent-gateway:dpop:";

        public Redis {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(commandTimeout, "commandTimeout");
            Objects.requireNonNull(keyPrefix, "keyPrefix");
        }

        /** Returns the URI without user information, safe to log. */
        public String redactedUri() {
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                    + (uri.getRawPath() == null ? "" : uri.getRawPath());
        }

        @Override
        public String toString() {
            return "Redis[uri=" + redactedUri() + ", commandTimeout=" + commandTimeout + ", keyPrefix=" + keyPrefix
                    + "]";
        }
    }
}
