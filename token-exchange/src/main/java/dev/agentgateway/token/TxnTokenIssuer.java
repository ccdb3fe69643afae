package dev.agentgateway.token;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.agentgateway.config.PrintableText;
import dev.agentgateway.policy.Actor;
import dev.agentgateway.policy.Principal;
import dev.agentgateway.token.internal.GatewaySigningKey;
import dev.agentgateway.token.internal.TokenIds;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/** Signs the short-lived Txn-Token the gateway sends to backends in place of the agent's credentials. */
public final class TxnTokenIssuer {

    /** JOSE {@code typ} of Txn-Tokens (OAuth Transaction Tokens draft). */
    static final JOSEObjectType TYPE = new JOSEObjectType("txntoken+jwt");

    private final String publicOrigin;
    private final GatewaySigningKey signingKey;
    private final Duration lifetime;
    private final Clock clock;

    TxnTokenIssuer(String publicOrigin, GatewaySigningKey signingKey, Duration lifetime, Clock clock) {
        this.publicOrigin = Objects.requireNonNull(publicOrigin, "publicOrigin");
        this.signingKey = Objects.requireNonNull(signingKey, "signingKey");
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Issues a Txn-Token ({@code typ} {@code txntoken+jwt}).
     *
     * @param principal principal of the call; anonymous principals get {@code sub} {@code anonymous}
     * @param actor actor of the call, or {@code null}
     * @param scopes scopes of the call
     * @param transactionId audit record id of the call's decision, sent as {@code txn}
     * @param audience the backend's {@code aud}
     * @throws IllegalArgumentException when a value contains a control character
     */
    public String issue(Principal principal, Actor actor, Set<String> scopes, String transactionId,
            String audience) {
        Objects.requireNonNull(principal, "principal");
        String subject = principal.isAnonymous() ? "anonymous" : principal.subject();
        String scope = String.join(" ", new TreeSet<>(scopes));
        checkPrintable("aud", audience);
        checkPrintable("txn", transactionId);
        checkPrintable("sub", subject);
        checkPrintable("scope", scope);

        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(publicOrigin)
                .audience(audience)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(TokenIds.random())
                .claim("txn", transactionId)
                .subject(subject)
                .claim("scope", scope);
        if (actor != null) {
            checkPrintable("act.sub", actor.subject());
            checkPrintable("act.iss", actor.issuer());
            claims.claim("act", Map.of("sub", actor.subject(), "iss", actor.issuer()));
        }
        if (!principal.isAnonymous()) {
            checkPrintable("tctx.principal_issuer", principal.issuer());
            claims.claim("tctx", Map.of("principal_issuer", principal.issuer()));
        }
        return signingKey.sign(TYPE, claims.build());
    }

    /** Rejects the characters {@link PrintableText} names: controls, unpaired surrogates, invisible formatting. */
    private static void checkPrintable(String claim, String value) {
        Objects.requireNonNull(value, claim);
        int index = PrintableText.firstRejectedCharacter(value);
        if (index >= 0) {
            throw new IllegalArgumentException(claim + ": " + PrintableText.describe(value, index)
                    + " (expected: printable text)");
        }
    }
}
