package dev.agentgateway.gateway.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * Raises the level of the gateway's own loggers to WARN while the demo runs, so start-up messages do not interleave
 * with the demo's numbered steps on the console. Warnings and errors still print. {@link #close()} restores the
 * previous level. Has no effect when Logback is not the SLF4J backend.
 */
final class QuietLogging implements AutoCloseable {

    private static final String GATEWAY_LOGGERS = "dev.agentgateway";

    private final Logger logger;
    private final Level previousLevel;

    private QuietLogging(Logger logger, Level previousLevel) {
        this.logger = logger;
        this.previousLevel = previousLevel;
    }

    static QuietLogging start() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return new QuietLogging(null, null);
        }
        Logger logger = context.getLogger(GATEWAY_LOGGERS);
        Level previous = logger.getLevel();
        logger.setLevel(Level.WARN);
        return new QuietLogging(logger, previous);
    }

    @Override
    public void close() {
        if (logger != null) {
            logger.setLevel(previousLevel);
        }
    }
}
