package dev.agentgateway.audit.internal.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class AcknowledgementWindowTest {

    @Test
    void advancesOverContiguousPrefix() {
        AcknowledgementWindow window = new AcknowledgementWindow(10);
        for (long seq = 11; seq <= 14; seq++) {
            window.sent(seq, 100);
        }

        window.completed(12, 100, null);
        window.completed(14, 100, null);
        assertThat(window.acknowledged()).isEqualTo(10);

        window.completed(11, 100, null);
        assertThat(window.acknowledged()).isEqualTo(12);

        window.completed(13, 100, null);
        assertThat(window.acknowledged()).isEqualTo(14);
        assertThat(window.inFlight()).isZero();
        assertThat(window.bytesInFlight()).isZero();
    }

    @Test
    void failureHoldsAcknowledgedSequence() {
        AcknowledgementWindow window = new AcknowledgementWindow(0);
        window.sent(1, 10);
        window.sent(2, 10);
        window.sent(3, 10);

        window.completed(1, 10, null);
        window.completed(2, 10, new TimeoutException("expired"));
        window.completed(3, 10, null);

        assertThat(window.acknowledged()).isEqualTo(1);
        assertThat(window.failure()).hasMessage("expired");
        assertThat(window.failedSends()).isEqualTo(1);
        assertThat(window.successfulSends()).isEqualTo(2);
    }

    @Test
    void rewindResendsAfterAcknowledgedPrefix() {
        AcknowledgementWindow window = new AcknowledgementWindow(0);
        window.sent(1, 10);
        window.sent(2, 10);
        window.sent(3, 10);
        window.completed(1, 10, null);
        window.completed(3, 10, null);
        window.completed(2, 10, new TimeoutException("expired"));

        window.rewind();

        assertThat(window.failure()).isNull();
        assertThat(window.lastSent()).isEqualTo(1);
        window.sent(2, 10);
        window.sent(3, 10);
        window.completed(3, 10, null);
        assertThat(window.acknowledged()).isEqualTo(1);
        window.completed(2, 10, null);
        assertThat(window.acknowledged()).isEqualTo(3);
    }

    @Test
    void rewindRejectedWhileSendsInFlight() {
        AcknowledgementWindow window = new AcknowledgementWindow(0);
        window.sent(1, 10);

        assertThatThrownBy(window::rewind).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sentRejectsGap() {
        AcknowledgementWindow window = new AcknowledgementWindow(5);

        assertThatThrownBy(() -> window.sent(7, 10))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("sent seq 7 (expected: 6)");
    }
}
