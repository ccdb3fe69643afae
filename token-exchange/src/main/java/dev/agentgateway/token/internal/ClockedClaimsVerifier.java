package dev.agentgateway.token.internal;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Objects;
import java.util.Set;

/**
 * Nimbus claims verifier that reads the time from an injected {@link Clock} instead of the system clock, and
 * also rejects an {@code iat} further in the future than the clock skew.
 */
public final class ClockedClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {

    private final Clock clock;
    private final Duration clockSkew;

    /**
     * @param acceptedAudiences the token's {@code aud} must contain at least one of these
     * @param exactMatchClaims claims that must have exactly these values, for example {@code iss}
     * @param requiredClaims claims that must be present
     * @param clock source of the current time
     * @param clockSkew tolerance for {@code exp}, {@code nbf} and {@code iat}
     */
    public ClockedClaimsVerifier(Set<String> acceptedAudiences, JWTClaimsSet exactMatchClaims,
            Set<String> requiredClaims, Clock clock, Duration clockSkew) {
        super(acceptedAudiences, exactMatchClaims, requiredClaims, null);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
        setMaxClockSkew(Math.toIntExact(clockSkew.toSeconds()));
    }

    @Override
    protected Date currentTime() {
        return Date.from(clock.instant());
    }

    @Override
    public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
        super.verify(claims, context);
        Date issuedAt = claims.getIssueTime();
        if (issuedAt != null && issuedAt.toInstant().isAfter(clock.instant().plus(clockSkew))) {
            throw new BadJWTException("JWT iat " + issuedAt.toInstant() + " is in the future");
        }
    }
}
