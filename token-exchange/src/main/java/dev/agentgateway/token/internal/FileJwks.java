package dev.agentgateway.token.internal;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trusted issuer's JWK set read from a local file. When a key is requested and a second has passed since the
 * last check, the file's time, size and file key are compared with the loaded version, and a changed file is read
 * and swapped in whole. A changed file that cannot be read or parsed leaves the previous keys in use and is
 * logged once per version. Thread-safe.
 */
final class FileJwks implements JWKSource<SecurityContext> {

    private static final Logger LOG = LoggerFactory.getLogger(FileJwks.class);
    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

    private final String issuer;
    private final Path path;
    private final Clock clock;
    private final Object reloadLock = new Object();
    private volatile Loaded loaded;
    private volatile Instant nextCheck;
    /** Version last rejected, guarded by {@code reloadLock}. */
    private FileVersion rejectedVersion;

    private record Loaded(FileVersion version, JWKSet keys) {
    }

    private FileJwks(String issuer, Path path, Clock clock, Loaded loaded) {
        this.issuer = issuer;
        this.path = path;
        this.clock = clock;
        this.loaded = loaded;
        this.nextCheck = clock.instant().plus(CHECK_INTERVAL);
    }

    /** Reads the file now. */
    static FileJwks load(String issuer, Path path, Clock clock) throws IOException {
        return new FileJwks(issuer, path, clock, read(issuer, path));
    }

    private static Loaded read(String issuer, Path path) throws IOException {
        FileVersion version = FileVersion.of(path);
        return new Loaded(version, JwksSources.parse(issuer, "jwks file " + path, JwksSources.readBounded(path)));
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) {
        return selector.select(current().keys());
    }

    private Loaded current() {
        Instant now = clock.instant();
        if (now.isBefore(nextCheck)) {
            return loaded;
        }
        synchronized (reloadLock) {
            if (!now.isBefore(nextCheck)) {
                nextCheck = now.plus(CHECK_INTERVAL);
                reloadIfChanged();
            }
            return loaded;
        }
    }

    private void reloadIfChanged() {
        FileVersion version = FileVersion.ofOrUnreadable(path);
        if (version.equals(loaded.version()) || version.equals(rejectedVersion)) {
            return;
        }
        try {
            Loaded next = read(issuer, path);
            loaded = next;
            rejectedVersion = null;
            LOG.info("Trusted issuer {}: jwks file {} changed, {} signature key(s) loaded", issuer, path,
                    next.keys().size());
        } catch (IOException | RuntimeException e) {
            rejectedVersion = version;
            LOG.error("Trusted issuer {}: jwks file {} changed but was not loaded, so the previous {} key(s) stay in "
                    + "use: {}", issuer, path, loaded.keys().size(), e.getMessage());
        }
    }
}
