package dev.agentgateway.gateway.e2e;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/** An identity provider in the test: a generated P-256 key that signs ID tokens with ES256. */
final class TestIdentityProvider {

    static final String AUDIENCE = "agent-gateway";

    private final String issuer;
    private final ECKey key;

    TestIdentityProvider(String issuer) throws JOSEException {
        this.issuer = issuer;
        this.key = new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate();
    }

    String issuer() {
        return issuer;
    }

    /**
     * Returns the start of a gateway configuration: loopback listeners on ephemeral ports, key and audit log under
     * {@code data/}, and {@code humans} and {@code agents} as trusted issuers. Tests append their routes and policy.
     */
    static String gatewayYaml(TestIdentityProvider humans, TestIdentityProvider agents) {
        return """
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                signing-key:
                  path: data/signing-key.jwk
                audit:
                  directory: data/audit
                trusted-issuers:
                  - issuer: %s
                    audiences: [agent-gateway]
                    algorithms: [ES256]
                    jwks:
                      inline: '%s'
                  - issuer: %s
                    audiences: [agent-gateway]
                    algorithms: [ES256]
                    jwks:
                      inline: '%s'
                """.formatted(humans.issuer(), humans.publicJwks(), agents.issuer(), agents.publicJwks());
    }

    /** Returns the public JWK set as JSON, for the gateway configuration. */
    String publicJwks() {
        return new JWKSet(key.toPublicJWK()).toString();
    }

    /** Returns an ID token for {@code subject} with the given groups and authentication methods. */
    String idToken(String subject, List<String> groups, List<String> amr) throws JOSEException {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(subject)
                .audience(AUDIENCE)
                .issueTime(Date.from(now.minusSeconds(5)))
                .expirationTime(Date.from(now.plusSeconds(3600)))
                .claim("groups", groups)
                .claim("amr", amr)
                .claim("auth_time", now.minusSeconds(60).getEpochSecond())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
                .keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }
}
