package dev.agentgateway.token.internal;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.ResourceRetriever;
import dev.agentgateway.config.JwksSource;
import java.io.IOException;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trusted issuer's JWK set fetched from its {@code jwks_uri} and cached.
 *
 * <ul>
 *   <li>A fetched set is used for the cache lifetime, then fetched again when a key is next requested.</li>
 *   <li>A token whose {@code kid} is not in the cached set triggers one fetch, so a key the provider just added
 *       is found. The previous set stays in use until the new one has arrived.</li>
 *   <li>At most one fetch starts per minimum refresh interval, whatever arrives, so tokens with random
 *       {@code kid}s cannot make the gateway flood the provider.</li>
 *   <li>While fetches fail, the last fetched set stays in use until the outage tolerance has passed after its
 *       lifetime ended. Then keys are refused until a fetch succeeds. The outage is logged once when it starts
 *       (warning) and once when the tolerance runs out (error), not per request.</li>
 * </ul>
 *
 * <p>Nimbus's {@code JWKSourceBuilder} (nimbus-jose-jwt 10.10) is not used: its key source reads the system
 * clock, its rate limiter admits two fetches per interval, and the set its outage layer returns is cached again
 * for a full lifetime, which stretches the tolerance. Fetching itself goes through a Nimbus {@link ResourceRetriever}. Thread-safe: fetches are
 * serialized, and lookups in a fresh set take no lock.
 */
final class RemoteJwks implements JWKSource<SecurityContext> {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteJwks.class);

    private final String issuer;
    private final URL url;
    private final ResourceRetriever retriever;
    private final Duration cacheLifetime;
    private final Duration refreshMinInterval;
    private final Duration outageTolerance;
    private final Clock clock;
    private final ReentrantLock fetchLock = new ReentrantLock();
    private volatile Fetched fetched;
    /** Start of the last fetch, successful or not; guarded by {@code fetchLock}. */
    private Instant lastAttempt;
    /** Whether the last fetch failed; guarded by {@code fetchLock}. */
    private boolean failing;
    /** Whether the end of the outage tolerance was logged for the current outage; guarded by {@code fetchLock}. */
    private boolean exhaustionLogged;

    private record Fetched(JWKSet keys, Instant fetchedAt) {
    }

    RemoteJwks(String issuer, JwksSource.FromUrl source, ResourceRetriever retriever, Clock clock)
            throws IOException {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.url = source.url().toURL();
        this.retriever = Objects.requireNonNull(retriever, "retriever");
        this.cacheLifetime = source.cacheLifetime();
        this.refreshMinInterval = source.refreshMinInterval();
        this.outageTolerance = source.outageTolerance();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
        Fetched current = fetched;
        Instant now = clock.instant();
        if (current == null || !now.isBefore(current.fetchedAt().plus(cacheLifetime))) {
            current = refresh(current);
        }
        List<JWK> matches = selector.select(current.keys());
        if (matches.isEmpty()) {
            matches = selector.select(refresh(current).keys());
        }
        return matches;
    }

    /**
     * Fetches the set unless another thread replaced {@code seen} meanwhile or the rate limit forbids it, and
     * returns the set to use now.
     *
     * @throws KeySourceException when no fetched set may be used any more
     */
    private Fetched refresh(Fetched seen) throws KeySourceException {
        fetchLock.lock();
        try {
            Instant now = clock.instant();
            if (fetched != seen) {
                return usable(now);
            }
            boolean rateLimited = lastAttempt != null && now.isBefore(lastAttempt.plus(refreshMinInterval));
            if (!rateLimited) {
                lastAttempt = now;
                fetch(now);
            }
            return usable(now);
        } finally {
            fetchLock.unlock();
        }
    }

    private void fetch(Instant now) {
        try {
            String json = retriever.retrieveResource(url).getContent();
            fetched = new Fetched(JwksSources.parse(issuer, "jwks " + url, json), now);
            if (failing) {
                LOG.info("Trusted issuer {}: jwks {} fetched again after an outage", issuer, url);
            }
            failing = false;
            exhaustionLogged = false;
        } catch (IOException | RuntimeException e) {
            if (!failing && fetched != null) {
                LOG.warn("Trusted issuer {}: fetching jwks {} failed, the last fetched keys stay in use for up to {} "
                        + "past their cache lifetime: {}: {}", issuer, url, outageTolerance,
                        e.getClass().getSimpleName(), e.getMessage());
            } else if (!failing) {
                LOG.warn("Trusted issuer {}: fetching jwks {} failed and no keys were fetched before: {}: {}", issuer,
                        url, e.getClass().getSimpleName(), e.getMessage());
            }
            failing = true;
        }
    }

    private Fetched usable(Instant now) throws KeySourceException {
        Fetched current = fetched;
        if (current != null && now.isBefore(current.fetchedAt().plus(cacheLifetime).plus(outageTolerance))) {
            return current;
        }
        String since = current == null ? "it was never fetched"
                : "the last fetch that succeeded was at " + current.fetchedAt();
        if (!exhaustionLogged) {
            exhaustionLogged = true;
            LOG.error("Trusted issuer {}: jwks {} cannot be fetched and {}; tokens of this issuer are rejected "
                    + "until a fetch succeeds (cache lifetime {}, outage tolerance {})", issuer, url, since,
                    cacheLifetime, outageTolerance);
        }
        throw new KeySourceException("the keys of issuer " + Quoting.quote(issuer) + " are unavailable because its "
                + "JWK set could not be fetched (expected: a reachable jwks_uri)");
    }
}
