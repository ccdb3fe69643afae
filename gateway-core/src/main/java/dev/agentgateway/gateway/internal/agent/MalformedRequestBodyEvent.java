package dev.agentgateway.gateway.internal.agent;

/**
 * Fired down the agent pipeline when part of the body of the request in progress cannot be decoded, for example a
 * chunk size of {@code +3}. The exchange handler sends the problem response and closes the connection. The handler that
 * owns the exchange consumes the event to abort any upstream request and audit the outcome with the status the
 * client got.
 *
 * @param status the status sent to the client, or {@code null} when a response had already started
 * @param reason the audit reason, starting with {@code malformed request body}
 */
record MalformedRequestBodyEvent(Integer status, String reason) {
}
