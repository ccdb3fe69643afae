package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProofReplayCacheTest {

    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    final ManualClock clock = new ManualClock(START);
    final ProofReplayCache cache = new ProofReplayCache(
            new ProofWindow(Duration.ofSeconds(60), Duration.ofSeconds(5)), 1000, clock);

    @Test
    void secondUseRejected() throws Exception {
        cache.markAsUsed("key-a", "jti-1", START);

        assertThatThrownBy(() -> cache.markAsUsed("key-a", "jti-1", START))
                .isInstanceOf(AlreadyUsedException.class);
    }

    @Test
    void sameJtiOfOtherKeyAccepted() throws Exception {
        cache.markAsUsed("key-a", "jti-1", START);

        assertThatCode(() -> cache.markAsUsed("key-b", "jti-1", START)).doesNotThrowAnyException();
    }

    @Test
    void futureIatKeptUntilWindowEnds() throws Exception {
        // Dated 5 s ahead, the proof is accepted until iat + 60 s + 5 s, 70 s after its first use.
        Instant issuedAt = START.plusSeconds(5);
        cache.markAsUsed("key-a", "jti-1", issuedAt);
        clock.advance(Duration.ofSeconds(70));

        assertThatThrownBy(() -> cache.markAsUsed("key-a", "jti-1", issuedAt))
                .isInstanceOf(AlreadyUsedException.class);
    }

    @Test
    void futureIatExpiresAfterWindow() throws Exception {
        Instant issuedAt = START.plusSeconds(5);
        cache.markAsUsed("key-a", "jti-1", issuedAt);
        clock.advance(Duration.ofSeconds(71));

        assertThatCode(() -> cache.markAsUsed("key-a", "jti-1", issuedAt)).doesNotThrowAnyException();
    }

    @Test
    void oldIatKeptOnlyForRestOfWindow() throws Exception {
        // Dated 60 s back, the proof is accepted for 5 s more; the entry lives 6 s with the margin.
        Instant issuedAt = START.minusSeconds(60);
        cache.markAsUsed("key-a", "jti-1", issuedAt);
        clock.advance(Duration.ofSeconds(5));

        assertThatThrownBy(() -> cache.markAsUsed("key-a", "jti-1", issuedAt))
                .isInstanceOf(AlreadyUsedException.class);

        clock.advance(Duration.ofSeconds(1));
        assertThatCode(() -> cache.markAsUsed("key-a", "jti-1", issuedAt)).doesNotThrowAnyException();
    }

    @Test
    void alwaysAvailable() {
        assertThat(cache.isAvailable()).isTrue();
    }
}
