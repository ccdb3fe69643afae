package dev.agentgateway.policy;

import java.time.Duration;

/**
 * Parameters of an RFC 9470 {@code insufficient_user_authentication} challenge.
 *
 * @param acrValues space-separated {@code acr_values} the new login must satisfy, or {@code null}
 * @param maxAge maximum age of the new login, or {@code null}
 */
public record StepUpChallenge(String acrValues, Duration maxAge) {
}
