package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Date;
import org.junit.jupiter.api.Test;

class VerifiedTokenCacheUnitTest {

    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    /** A clock tests move by hand. */
    static final class SteppedClock extends Clock {

        volatile Instant now = START;

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("the tests use UTC only");
        }
    }

    final SteppedClock clock = new SteppedClock();

    static JWTClaimsSet expiringAt(Instant exp) {
        return new JWTClaimsSet.Builder().subject("alice").expirationTime(Date.from(exp)).build();
    }

    @Test
    void entryExpiresAtExp() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, Duration.ofSeconds(305), clock);
        cache.put("a", expiringAt(START.plusSeconds(30)));

        clock.now = START.plusSeconds(30).minusNanos(1);
        assertThat(cache.get("a")).isPresent();

        clock.now = START.plusSeconds(30);
        assertThat(cache.get("a")).isEmpty();
    }

    @Test
    void lifetimeCapped() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, Duration.ofSeconds(305), clock);
        cache.put("a", expiringAt(START.plusSeconds(100_000)));

        clock.now = START.plusSeconds(305);
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
