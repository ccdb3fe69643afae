package dev.agentgateway.gateway.sample;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * An in-process identity provider for the demo and tests. It generates an EC P-256 key and issues
 * ES256-signed ID tokens that a gateway configured with {@link #publicJwksJson()} as a trusted issuer accepts.
 * It serves nothing over the network. Thread-safe.
 */
public final class SampleIdentityProvider {

    /** Issuer used by {@link #create()}. The {@code .invalid} top-level domain never resolves (RFC 2606). */
    public static final String DEFAULT_ISSUER = "https://idp.agent-gateway.invalid";

    /** Audience of the issued tokens unless a builder sets another one. */
    public static final String DEFAULT_AUDIENCE = "agent-gateway";

    /** Lifetime of the issued tokens unless a builder sets another one. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(10);

    private final String issuer;
    private final ECKey signingKey;
    private final ECDSASigner signer;
    private final Clock clock;

    private SampleIdentityProvider(String issuer, ECKey signingKey, Clock clock) throws JOSEException {
        this.issuer = issuer;
        this.signingKey = signingKey;
        this.signer = new ECDSASigner(signingKey);
        this.clock = clock;
    }

    /** Creates a provider named {@link #DEFAULT_ISSUER} that reads the system clock. */
    public static SampleIdentityProvider create() {
        return create(DEFAULT_ISSUER, Clock.systemUTC());
    }

    /**
     * Creates a provider with a new signing key.
     *
     * @param issuer the {@code iss} of every token it issues
     * @param clock source of {@code iat}, {@code auth_time} defaults and {@code exp}
     */
    public static SampleIdentityProvider create(String issuer, Clock clock) {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(clock, "clock");
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256)
                    .keyID("sample-idp-" + UUID.randomUUID())
                    .algorithm(JWSAlgorithm.ES256)
                    .keyUse(KeyUse.SIGNATURE)
                    .generate();
            return new SampleIdentityProvider(issuer, key, clock);
        } catch (JOSEException e) {
            throw new IllegalStateException("Generating the sample identity provider's P-256 key failed", e);
        }
    }

    public String issuer() {
        return issuer;
    }

    /** Returns the {@code kid} of the signing key, which every issued token names in its header. */
    public String keyId() {
        return signingKey.getKeyID();
    }

    /** Returns the public JWK set (RFC 7517) holding the signing key, as JSON. */
    public String publicJwksJson() {
        return publicJwks().toString();
    }

    /** Returns the public JWK set holding the signing key. */
    public JWKSet publicJwks() {
        return new JWKSet(signingKey.toPublicJWK());
    }

    /** Starts an ID token for {@code subject}; {@link IdTokenBuilder#sign()} issues it. */
    public IdTokenBuilder idToken(String subject) {
        return new IdTokenBuilder(Objects.requireNonNull(subject, "subject"));
    }

    /**
     * Builder for one ID token. Unless set, the token has audience {@link #DEFAULT_AUDIENCE}, lifetime
     * {@link #DEFAULT_LIFETIME}, no groups, {@code amr} {@code ["pwd"]}, no {@code acr}, {@code auth_time} equal to
     * {@code iat}, a random {@code jti} and no {@code may_act}.
     */
    public final class IdTokenBuilder {

        private final String subject;
        private String audience = DEFAULT_AUDIENCE;
        private Duration lifetime = DEFAULT_LIFETIME;
        private List<String> groups = List.of();
        private List<String> amr = List.of("pwd");
        private String acr;
        private Instant authTime;
        private String tokenId;
        private String mayActSubject;

        private IdTokenBuilder(String subject) {
            this.subject = subject;
        }

        public IdTokenBuilder audience(String value) {
            this.audience = Objects.requireNonNull(value, "audience");
            return this;
        }

        /** Sets the time from {@code iat} to {@code exp}; must be positive. */
        public IdTokenBuilder lifetime(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("lifetime: " + value + " (expected: a positive duration)");
            }
            this.lifetime = value;
            return this;
        }

        public IdTokenBuilder groups(String... values) {
            this.groups = List.of(values);
            return this;
        }

        /** Sets the authentication methods (RFC 8176), for example {@code pwd} and {@code hwk}. */
        public IdTokenBuilder amr(String... values) {
            this.amr = List.of(values);
            return this;
        }

        /** Sets the authentication context class reference; {@code null} leaves the claim out. */
        public IdTokenBuilder acr(String value) {
            this.acr = value;
            return this;
        }

        /** Sets the login time; {@code null} means the issue time. */
        public IdTokenBuilder authTime(Instant value) {
            this.authTime = value;
            return this;
        }

        /** Sets the {@code jti}; {@code null} means a random UUID. */
        public IdTokenBuilder tokenId(String value) {
            this.tokenId = value;
            return this;
        }

        /**
         * Names an actor that may act for the subject (RFC 8693 §4.4 {@code may_act}); the actor is assumed to be
         * issued by this provider. {@code null} leaves the claim out.
         */
        public IdTokenBuilder mayAct(String actorSubject) {
            this.mayActSubject = actorSubject;
            return this;
        }

        /** Signs the token with ES256 and returns its compact serialization. */
        public String sign() {
            JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256)
                    .type(JOSEObjectType.JWT)
                    .keyID(signingKey.getKeyID())
                    .build();
            SignedJWT jwt = new SignedJWT(header, claims());
            try {
                jwt.sign(signer);
            } catch (JOSEException e) {
                throw new IllegalStateException("Signing the ID token for \"" + subject + "\" failed", e);
            }
            return jwt.serialize();
        }

        private JWTClaimsSet claims() {
            Instant issuedAt = clock.instant();
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                    .issuer(issuer)
                    .subject(subject)
                    .audience(audience)
                    .issueTime(Date.from(issuedAt))
                    .expirationTime(Date.from(issuedAt.plus(lifetime)))
                    .jwtID(tokenId != null ? tokenId : UUID.randomUUID().toString())
                    .claim("groups", groups)
                    .claim("amr", amr)
                    .claim("auth_time", (authTime != null ? authTime : issuedAt).getEpochSecond());
            if (acr != null) {
                claims.claim("acr", acr);
            }
            if (mayActSubject != null) {
                Map<String, Object> mayAct = new LinkedHashMap<>();
                mayAct.put("iss", issuer);
                mayAct.put("sub", mayActSubject);
                claims.claim("may_act", mayAct);
            }
            return claims.build();
        }
    }
}
