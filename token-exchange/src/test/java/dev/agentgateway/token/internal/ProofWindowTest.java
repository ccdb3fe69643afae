package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProofWindowTest {

    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    final ProofWindow window = new ProofWindow(Duration.ofSeconds(60), Duration.ofSeconds(5));

    @Test
    void lastAcceptanceFromIat() {
        assertThat(window.lastAcceptance(NOW)).isEqualTo(NOW.plusSeconds(65));
    }

    @Test
    void futureIatGetsLongestLifetime() {
        assertThat(window.entryLifetime(NOW.plusSeconds(5), NOW)).isEqualTo(Duration.ofSeconds(71));
    }

    @Test
    void currentIatLifetime() {
        assertThat(window.entryLifetime(NOW, NOW)).isEqualTo(Duration.ofSeconds(66));
    }

    @Test
    void oldestIatGetsMargin() {
        assertThat(window.entryLifetime(NOW.minusSeconds(65), NOW)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void iatOutsideWindowClamped() {
        assertThat(window.entryLifetime(NOW.minusSeconds(600), NOW)).isEqualTo(Duration.ofSeconds(1));
        assertThat(window.entryLifetime(NOW.plusSeconds(600), NOW)).isEqualTo(Duration.ofSeconds(71));
    }

    @Test
    void maxLifetimeCoversSkewBothWays() {
        assertThat(window.maxEntryLifetime()).isEqualTo(Duration.ofSeconds(71));
    }

    @Test
    void negativeDurationRejected() {
        assertThatThrownBy(() -> new ProofWindow(Duration.ofSeconds(-1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: durations of zero or more");
    }
}
