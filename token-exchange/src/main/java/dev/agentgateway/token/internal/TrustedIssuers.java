package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.agentgateway.config.TrustedIssuerConfig;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.io.IOException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Verifies subject and actor tokens against the configured identity providers. The unverified {@code iss}
 * only selects the issuer's key set. Signature, {@code typ}, algorithm and claims are then checked by a Nimbus
 * processor built for that issuer. Keys are never taken from the token header ({@code jwk}, {@code jku},
 * {@code x5u}, {@code x5c}). Thread-safe.
 */
public final class TrustedIssuers {

    /** Maximum length of a subject or actor token in characters. */
    public static final int MAX_TOKEN_LENGTH = 16 * 1024;

    private static final Set<String> REQUIRED_CLAIMS = Set.of("iss", "sub", "aud", "exp", "iat");

    private final Map<String, DefaultJWTProcessor<SecurityContext>> processors;
    private final String gatewayIssuer;

    /** Accepted {@code aud} values by issuer. */
    private final Map<String, Set<String>> audiences;

    private TrustedIssuers(Map<String, DefaultJWTProcessor<SecurityContext>> processors,
            Map<String, Set<String>> audiences, String gatewayIssuer) {
        this.processors = processors;
        this.audiences = audiences;
        this.gatewayIssuer = gatewayIssuer;
    }

    /**
     * Prepares a processor per issuer. URL key sets are not fetched here.
     *
     * @param gatewayIssuer the gateway's own {@code iss}; tokens it issued are never accepted as subject or actor
     *     tokens
     * @throws IOException when an inline or file key set cannot be read
     * @throws IllegalArgumentException when an issuer allows {@code none}, an HMAC algorithm or no algorithm
     */
    public static TrustedIssuers create(List<TrustedIssuerConfig> issuers, String gatewayIssuer, Clock clock,
            Duration clockSkew) throws IOException {
        Map<String, DefaultJWTProcessor<SecurityContext>> processors = new LinkedHashMap<>();
        Map<String, Set<String>> audiences = new LinkedHashMap<>();
        for (TrustedIssuerConfig issuer : issuers) {
            processors.put(issuer.issuer(), processor(issuer, clock, clockSkew));
            audiences.put(issuer.issuer(), Set.copyOf(issuer.audiences()));
        }
        return new TrustedIssuers(Map.copyOf(processors), Map.copyOf(audiences), gatewayIssuer);
    }

    private static DefaultJWTProcessor<SecurityContext> processor(TrustedIssuerConfig issuer, Clock clock,
            Duration clockSkew) throws IOException {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new GatewayJwsKeySelector<>(algorithms(issuer),
                JwksSources.create(issuer.issuer(), issuer.jwks(), clock)));
        processor.setJWSVerifierFactory(new GatewayJwsVerifierFactory());
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(types(issuer)));
        JWTClaimsSet exactIssuer = new JWTClaimsSet.Builder().issuer(issuer.issuer()).build();
        processor.setJWTClaimsSetVerifier(new ClockedClaimsVerifier(issuer.audiences(), exactIssuer,
                REQUIRED_CLAIMS, clock, clockSkew));
        return processor;
    }

    private static Set<JWSAlgorithm> algorithms(TrustedIssuerConfig issuer) {
        Set<JWSAlgorithm> algorithms = issuer.algorithms().stream()
                .map(JWSAlgorithm::parse)
                .collect(Collectors.toUnmodifiableSet());
        for (JWSAlgorithm algorithm : algorithms) {
            boolean asymmetric = JWSAlgorithm.Family.SIGNATURE.contains(algorithm);
            if (!asymmetric) {
                throw new IllegalArgumentException("trusted issuer " + issuer.issuer() + ": algorithm " + algorithm
                        + " rejected (expected: an asymmetric signature algorithm such as ES256 or RS256)");
            }
        }
        if (algorithms.isEmpty() || issuer.audiences().isEmpty()) {
            throw new IllegalArgumentException("trusted issuer " + issuer.issuer()
                    + ": no algorithms or no audiences (expected: at least one of each)");
        }
        return algorithms;
    }

    /**
     * Returns the accepted {@code typ} values, where {@code null} accepts a token without {@code typ}. A configured
     * value without '/' also accepts its {@code application/} form, which RFC 7515 §4.1.9 makes equivalent.
     * Nimbus compares {@code typ} values ignoring letter case, as media types are compared (RFC 6838 §4.2).
     */
    private static Set<JOSEObjectType> types(TrustedIssuerConfig issuer) {
        Set<JOSEObjectType> types = new HashSet<>();
        for (String type : issuer.tokenTypes()) {
            if (type.isEmpty()) {
                types.add(null);
                continue;
            }
            types.add(new JOSEObjectType(type));
            if (type.indexOf('/') < 0) {
                types.add(new JOSEObjectType("application/" + type));
            }
        }
        return types;
    }

    /**
     * Verifies a subject or actor token and returns its claims.
     *
     * @param kind {@code subject token} or {@code actor token}, for error descriptions
     * @param code error code of every rejection
     * @throws OAuthException when any check fails, with a description that names the check but never the token
     */
    public JWTClaimsSet verify(String token, String kind, OAuthErrorCode code) throws OAuthException {
        SignedJWT jwt = CompactJws.parse(token, kind, MAX_TOKEN_LENGTH, code);
        RegisteredClaims.check(jwt, kind, code);
        String issuer = unverifiedIssuer(jwt, kind, code);
        JWTClaimsSet claims;
        try {
            claims = processors.get(issuer).process(jwt, null);
        } catch (BadJOSEException | JOSEException e) {
            throw new OAuthException(code, kind + " rejected: " + e.getMessage());
        } catch (RuntimeException e) {
            throw LibraryFailures.rejection(code, kind, e);
        }
        checkEveryAudienceTrusted(claims, audiences.get(issuer), kind, code);
        return claims;
    }

    /**
     * Rejects a token that also names an audience this gateway was not configured to accept (OpenID Connect Core
     * 1.0 §3.1.3.7, step 3): every relying party it names has the same token and could exchange it here.
     */
    private static void checkEveryAudienceTrusted(JWTClaimsSet claims, Set<String> accepted, String kind,
            OAuthErrorCode code) throws OAuthException {
        for (String audience : claims.getAudience()) {
            if (!accepted.contains(audience)) {
                throw new OAuthException(code, kind + " rejected: aud " + Quoting.quote(audience)
                        + " is not an accepted audience (expected: only " + String.join(", ", accepted.stream()
                                .sorted().map(Quoting::quote).toList()) + ")");
            }
        }
    }

    private String unverifiedIssuer(SignedJWT jwt, String kind, OAuthErrorCode code) throws OAuthException {
        String issuer;
        try {
            issuer = jwt.getJWTClaimsSet().getIssuer();
        } catch (ParseException e) {
            throw new OAuthException(code, kind + " rejected: iss is not a string");
        }
        if (issuer == null) {
            throw new OAuthException(code, kind + " rejected: iss missing");
        }
        if (issuer.equals(gatewayIssuer)) {
            throw new OAuthException(code, kind + " rejected: iss " + Quoting.quote(issuer)
                    + " is this gateway (expected: an identity provider's token)");
        }
        if (!processors.containsKey(issuer)) {
            throw new OAuthException(code, kind + " rejected: iss " + Quoting.quote(issuer)
                    + " is not a trusted issuer");
        }
        return issuer;
    }
}
