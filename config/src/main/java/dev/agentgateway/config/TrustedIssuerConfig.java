package dev.agentgateway.config;

import java.util.Objects;
import java.util.Set;

/**
 * Identity provider whose ID tokens the token endpoint accepts as subject or actor tokens.
 *
 * @param issuer exact {@code iss} value
 * @param jwks where the provider's public keys come from
 * @param audiences accepted {@code aud} values; every {@code aud} value of a token must be one of them
 * @param algorithms accepted JWS algorithms, for example {@code ES256}; never {@code none} or an HMAC algorithm
 * @param tokenTypes accepted JOSE {@code typ} header values, for example {@code JWT}; an empty string entry
 *     accepts tokens without {@code typ}
 */
public record TrustedIssuerConfig(
        String issuer,
        JwksSource jwks,
        Set<String> audiences,
        Set<String> algorithms,
        Set<String> tokenTypes) {

    public TrustedIssuerConfig {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(jwks, "jwks");
        audiences = Set.copyOf(audiences);
        algorithms = Set.copyOf(algorithms);
        tokenTypes = Set.copyOf(tokenTypes);
    }
}
