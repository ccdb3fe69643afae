package dev.agentgateway.gateway.internal.agent;

import java.util.concurrent.ThreadLocalRandom;

/** Generates request ids: 128 random bits as 32 lower-case hex digits. They identify, they do not authorize. */
final class RequestIds {

    private RequestIds() {
    }

    static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return String.format("%016x%016x", random.nextLong(), random.nextLong());
    }
}
