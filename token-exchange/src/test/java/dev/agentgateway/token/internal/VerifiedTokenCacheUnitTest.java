package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.Test;

class VerifiedTokenCacheUnitTest {

    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    final ManualClock clock = new ManualClock(START);

    static JWTClaimsSet expiringAt(Instant exp) {
        return new JWTClaimsSet.Builder().subject("alice").expirationTime(Date.from(exp)).build();
    }

    @Test
    void entryExpiresAtExp() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, Duration.ofSeconds(305), clock);
        cache.put("a", expiringAt(START.plusSeconds(30)));

        clock.set(START.plusSeconds(30).minusNanos(1));
        assertThat(cache.get("a")).isPresent();

        clock.set(START.plusSeconds(30));
        assertThat(cache.get("a")).isEmpty();
    }

    @Test
    void lifetimeCapped() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, Duration.ofSeconds(305), clock);
        cache.put("a", expiringAt(START.plusSeconds(100_000)));

        clock.set(START.plusSeconds(305));
        assertThat(cache.get("a")).isEmpty();
    }

    @Test
    void expiredTokenNotKept() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, Duration.ofSeconds(305), clock);
        cache.put("a", expiringAt(START.minusSeconds(1)));

        assertThat(cache.get("a")).isEmpty();
    }

    @Test
    void sizeBounded() {
        VerifiedTokenCache cache = new VerifiedTokenCache(50, Duration.ofSeconds(305), clock);
        for (int i = 0; i < 1000; i++) {
            cache.put("token-" + i, expiringAt(START.plusSeconds(60)));
        }

        assertThat(cache.size()).isLessThanOrEqualTo(50);
    }

    @Test
    void invalidateAllForgets() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, Duration.ofSeconds(305), clock);
        cache.put("a", expiringAt(START.plusSeconds(60)));

        cache.invalidateAll();

        assertThat(cache.get("a")).isEmpty();
        assertThat(cache.size()).isZero();
    }

    @Test
    void zeroSizeRejected() {
        assertThatThrownBy(() -> new VerifiedTokenCache(0, Duration.ofSeconds(1), clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEntries: 0");
    }
}
