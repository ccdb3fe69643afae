package dev.agentgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The logger levels that the gateway's {@code logback.xml} sets. */
class LoggingConfigTest {

    /**
     * Lettuce logs each failed reconnect to Redis at WARN, at most once per quiet period, for as long as an outage
     * lasts. The replay cache already logs one ERROR when an outage starts, so those lines are dropped.
     */
    @Test
    void lettuceReconnectWarningsDropped() {
        Logger watchdog = (Logger) LoggerFactory.getLogger("io.lettuce.core.protocol.ConnectionWatchdog");

        assertThat(watchdog.getEffectiveLevel()).isEqualTo(Level.ERROR);
    }
}
