package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProofUse;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ProofReplayCacheTest {

    /** A clock tests move forward by hand. */
    static final class ManualClock extends Clock {

        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

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
            return this;
        }
    }

    final ManualClock clock = new ManualClock();
    final ProofReplayCache cache = new ProofReplayCache(Duration.ofSeconds(60), Duration.ofSeconds(5), 1000, clock);

    static DPoPProofUse use(String keyThumbprint, String jti) {
        return new DPoPProofUse(new DPoPIssuer(keyThumbprint), new JWTID(jti), 65);
    }

    @Test
    void secondUseRejected() throws Exception {
        cache.markAsUsed(use("key-a", "jti-1"));

        assertThatThrownBy(() -> cache.markAsUsed(use("key-a", "jti-1"))).isInstanceOf(AlreadyUsedException.class);
    }

    @Test
    void sameJtiOfOtherKeyAccepted() throws Exception {
        cache.markAsUsed(use("key-a", "jti-1"));

        assertThatCode(() -> cache.markAsUsed(use("key-b", "jti-1"))).doesNotThrowAnyException();
    }

    @Test
    void entryKeptForWholeAcceptanceWindow() throws Exception {
        cache.markAsUsed(use("key-a", "jti-1"));
        // A proof dated 5 s ahead stays acceptable until 65 s after its iat, 70 s after first use.
        clock.advance(Duration.ofSeconds(69));

        assertThatThrownBy(() -> cache.markAsUsed(use("key-a", "jti-1"))).isInstanceOf(AlreadyUsedException.class);
    }

    @Test
    void entryExpiresAfterWindow() throws Exception {
        cache.markAsUsed(use("key-a", "jti-1"));
        clock.advance(Duration.ofSeconds(71));

        assertThatCode(() -> cache.markAsUsed(use("key-a", "jti-1"))).doesNotThrowAnyException();
    }

    @Test
    void lifetimeCoversSkewBothWays() {
        assertThat(ProofReplayCache.entryLifetime(Duration.ofSeconds(60), Duration.ofSeconds(5)))
                .isEqualTo(Duration.ofSeconds(70));
    }
}
