package dev.agentgateway.gateway;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Collects what the gateway's classes, or every logger, log while open. */
public final class CapturedLogs implements AutoCloseable {

    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    /** Collects what the gateway's classes log. */
    public CapturedLogs() {
        this("dev.agentgateway");
    }

    private CapturedLogs(String loggerName) {
        logger = (Logger) LoggerFactory.getLogger(loggerName);
        appender.start();
        logger.addAppender(appender);
    }

    /** Returns a collector of what every logger logs, libraries included, at the levels the configuration lets by. */
    public static CapturedLogs everyLogger() {
        return new CapturedLogs(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }


    /**
     * Returns the formatted messages logged at {@code level}, oldest first. Other threads may still be logging, and
     * the appender adds to its list while holding its own lock, so the list is read under that lock.
     */
    public List<String> messages(Level level) {
        synchronized (appender) {
            return appender.list.stream()
                    .filter(event -> event.getLevel() == level)
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
