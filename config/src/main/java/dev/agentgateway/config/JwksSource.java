package dev.agentgateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/** Source of an identity provider's JSON Web Key Set (RFC 7517). */
public sealed interface JwksSource {

    /** Key set written in the configuration file itself, as JSON text. */
    record Inline(String json) implements JwksSource {
        public Inline {
            Objects.requireNonNull(json, "json");
        }
    }

    /** Key set read from a local file, and read again when the file changes. */
    record FromFile(Path path) implements JwksSource {
        public FromFile {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * Key set fetched from the identity provider's {@code jwks_uri}.
     *
     * @param url the provider's {@code jwks_uri}
     * @param cacheLifetime how long a fetched key set is used before it is fetched again
     * @param refreshMinInterval least time between two fetches, also when tokens name unknown {@code kid}s
     * @param outageTolerance how long past {@code cacheLifetime} the last key set is still used while the
     *     provider cannot be reached
     */
    record FromUrl(URI url, Duration cacheLifetime, Duration refreshMinInterval, Duration outageTolerance)
            implements JwksSource {

        public static final Duration DEFAULT_CACHE_LIFETIME = Duration.ofMinutes(5);
        public static final Duration DEFAULT_REFRESH_MIN_INTERVAL = Duration.ofSeconds(30);
        public static final Duration DEFAULT_OUTAGE_TOLERANCE = Duration.ofHours(1);

        public FromUrl {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(cacheLifetime, "cacheLifetime");
            Objects.requireNonNull(refreshMinInterval, "refreshMinInterval");
            Objects.requireNonNull(outageTolerance, "outageTolerance");
        }

        /** Creates a source with the default cache lifetime, refresh interval and outage tolerance. */
        public FromUrl(URI url) {
            this(url, DEFAULT_CACHE_LIFETIME, DEFAULT_REFRESH_MIN_INTERVAL, DEFAULT_OUTAGE_TOLERANCE);
        }
    }
}
