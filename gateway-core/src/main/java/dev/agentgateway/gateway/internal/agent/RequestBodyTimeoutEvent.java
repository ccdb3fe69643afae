package dev.agentgateway.gateway.internal.agent;

import java.time.Duration;

/**
 * Fired down the agent pipeline when the body of the request in progress did not arrive within its deadline. The
 * handler that owns the exchange consumes it: it responds with 408 unless a response has started, aborts any upstream
 * request and audits the outcome. The connection is closed after the response.
 *
 * @param timeout the deadline that expired, counted from the end of the request head
 */
record RequestBodyTimeoutEvent(Duration timeout) {

    /** Returns the problem detail and audit reason for this timeout. */
    String detail() {
        return "the request body did not arrive within " + timeout.toMillis() + " ms";
    }
}
