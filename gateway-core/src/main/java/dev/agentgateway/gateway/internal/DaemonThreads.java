package dev.agentgateway.gateway.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Thread factories for the gateway's executors: daemon threads named with a prefix and a counter. */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** Returns a factory of daemon threads named {@code prefix1}, {@code prefix2}, and so on. */
    public static ThreadFactory named(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
