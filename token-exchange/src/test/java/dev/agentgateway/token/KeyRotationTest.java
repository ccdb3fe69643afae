package dev.agentgateway.token;

import static dev.agentgateway.token.Fixture.ORIGIN;
import static dev.agentgateway.token.Fixture.OPS_QUEUES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.config.ListenerConfig;
import dev.agentgateway.config.OperatorConfig;
import dev.agentgateway.config.PolicyConfig;
import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.config.SigningKeyConfig;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.policy.Principal;
import dev.agentgateway.token.internal.Ed25519JcaSigner;
import dev.agentgateway.token.internal.Ed25519Keys;
import dev.agentgateway.token.internal.ManualClock;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyRotationTest {

    /** Capability and Txn-Token lifetimes of 10 s and a clock skew of 5 s, which keep a retired key for 15 s. */
    private static final TokenConfig TOKENS = new TokenConfig(Duration.ofSeconds(10), Duration.ofSeconds(60),
            Duration.ofSeconds(5), Duration.ofSeconds(10));
    private static final Duration RETENTION = Duration.ofSeconds(15);

    @TempDir
    Path directory;

    /**
     * Starts 30 s behind the system clock, because the DPoP library also checks proof times against the system
     * clock. The test clock then stays within the proof age limit while it moves forward by the retention.
     */
    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS)
            .minusSeconds(30));
    private final ECKey proofKey = Fixture.ecKey(null);

    KeyRotationTest() throws Exception {
    }

    @Test
    void oldKeyVerifiesUntilDeadline() throws Exception {
        Path keyFile = directory.resolve("signing-key.jwk");
        TokenServices services = services(keyFile, "ES256");
        JWK oldKey = activeKey(keyFile);
        String oldToken = capability(oldKey);

        SigningKeys.Rotation rotation = SigningKeys.rotate(keyFile, "ES256", TOKENS, clock);
        clock.advance(Duration.ofSeconds(1));
        JWK newKey = activeKey(keyFile);

        assertThat(rotation.retiredKeyId()).isEqualTo(oldKey.getKeyID());
        assertThat(rotation.newKeyId()).isEqualTo(newKey.getKeyID()).isNotEqualTo(oldKey.getKeyID());
        assertThat(rotation.retiredKeyDeadline()).isEqualTo(rotation.retiredAt().plus(RETENTION));
        assertThat(keyIds(services.jwksJson())).containsExactly(newKey.getKeyID(), oldKey.getKeyID());
        assertThat(signedKeyId(services)).isEqualTo(newKey.getKeyID());
        assertThat(authenticate(services, capability(newKey)).principal().subject()).isEqualTo("alice");
        assertThat(authenticate(services, oldToken).principal().subject()).isEqualTo("alice");

        clock.advance(RETENTION);

        assertThat(keyIds(services.jwksJson())).containsExactly(newKey.getKeyID());
        assertThatThrownBy(() -> authenticate(services, capability(oldKey)))
                .isInstanceOfSatisfying(OAuthException.class,
                        e -> assertThat(e.code()).isEqualTo(OAuthErrorCode.INVALID_TOKEN));
        assertThat(authenticate(services, capability(newKey)).principal().subject()).isEqualTo("alice");
    }

    @Test
    void replicasSharingFileConverge() throws Exception {
        Path keyFile = directory.resolve("signing-key.jwk");
        TokenServices first = services(keyFile, "ES256");
        TokenServices second = services(keyFile, "ES256");

        String newKeyId = SigningKeys.rotate(keyFile, "EdDSA");
        clock.advance(Duration.ofSeconds(1));

        assertThat(signedKeyId(first)).isEqualTo(newKeyId);
        assertThat(signedKeyId(second)).isEqualTo(newKeyId);
        assertThat(first.jwksJson()).isEqualTo(second.jwksJson());
    }

    @Test
    void restartKeepsRetirementTime() throws Exception {
        Path keyFile = directory.resolve("signing-key.jwk");
        services(keyFile, "ES256");
        JWK oldKey = activeKey(keyFile);
        SigningKeys.rotate(keyFile, "EdDSA", TOKENS, clock);
        clock.advance(Duration.ofSeconds(10));

        TokenServices restarted = services(keyFile, "ES256");

        assertThat(keyIds(restarted.jwksJson())).hasSize(2).contains(oldKey.getKeyID());
        assertThat(authenticate(restarted, capability(oldKey)).principal().subject()).isEqualTo("alice");
        clock.advance(Duration.ofSeconds(5));
        assertThat(keyIds(restarted.jwksJson())).hasSize(1).doesNotContain(oldKey.getKeyID());
    }

    @Test
    void rotatedFileIsOwnerOnly() throws Exception {
        Path keyFile = directory.resolve("signing-key.jwk");
        SigningKeys.generate(keyFile);

        SigningKeys.rotate(keyFile, "ES256");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        try (var files = Files.list(directory)) {
            assertThat(files).as("no temporary file left").containsExactly(keyFile);
        }
    }

    @Test
    void retiredKeyStoredWithoutPrivatePart() throws Exception {
        Path keyFile = directory.resolve("signing-key.jwk");
        String oldKeyId = SigningKeys.generate(keyFile);

        SigningKeys.rotate(keyFile, "ES256");

        JWKSet stored = JWKSet.parse(Files.readString(keyFile));
        assertThat(stored.getKeys().get(0).isPrivate()).isTrue();
        assertThat(stored.getKeyByKeyId(oldKeyId).isPrivate()).isFalse();
        assertThat(stored.getAdditionalMembers()).containsKey("retired_at");
    }

    @Test
    void edDsaKeyRoundTrip() throws Exception {
        Path keyFile = directory.resolve("signing-key.jwk");
        TokenServices services = services(keyFile, "EdDSA");
        JWK key = activeKey(keyFile);

        JWK published = JWKSet.parse(services.jwksJson()).getKeys().get(0);
        SignedJWT txnToken = SignedJWT.parse(services.txnTokens().issue(
                new Principal("https://idp.example.test", "alice", Set.of(), null, Set.of(),
                        null), null, Set.of("ops.read"), "txn-1", "ops"));

        assertThat(key).isInstanceOf(OctetKeyPair.class);
        assertThat(published.toJSONObject()).containsEntry("kty", "OKP").containsEntry("crv", "Ed25519")
                .doesNotContainKey("d");
        assertThat(services.jwksJson()).doesNotContain("\"d\"").doesNotContain("retired_at");
        assertThat(txnToken.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
        assertThat(txnToken.getHeader().getKeyID()).isEqualTo(key.getKeyID());
        assertThat(authenticate(services, capability(key)).principal().subject()).isEqualTo("alice");
    }

    @Test
    void edDsaTokenWithForeignKeyRejected() throws Exception {
        Path keyFile = directory.resolve("signing-key.jwk");
        TokenServices services = services(keyFile, "EdDSA");
        JWK key = activeKey(keyFile);
        OctetKeyPair foreign = new OctetKeyPair.Builder(
                Ed25519Keys.generate()).keyID(key.getKeyID()).build();

        assertThatThrownBy(() -> authenticate(services, capability(foreign)))
                .isInstanceOfSatisfying(OAuthException.class,
                        e -> assertThat(e.code()).isEqualTo(OAuthErrorCode.INVALID_TOKEN));
    }

    @Test
    void corruptKeyFileKeepsSigningKey() throws Exception {
        Path keyFile = directory.resolve("signing-key.jwk");
        TokenServices services = services(keyFile, "ES256");
        JWK key = activeKey(keyFile);

        Files.writeString(keyFile, "{\"keys\": [");
        clock.advance(Duration.ofSeconds(2));

        assertThat(signedKeyId(services)).isEqualTo(key.getKeyID());
        assertThat(keyIds(services.jwksJson())).containsExactly(key.getKeyID());
    }

    @Test
    void legacySingleJwkFileLoads() throws Exception {
        Path keyFile = directory.resolve("signing-key.jwk");
        ECKey legacy = Fixture.ecKey("legacy-1");
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, legacy.toJSONString());

        TokenServices services = services(keyFile, "ES256");
        String newKeyId = SigningKeys.rotate(keyFile, "ES256");
        clock.advance(Duration.ofSeconds(1));

        assertThat(keyIds(services.jwksJson())).containsExactly(newKeyId, "legacy-1");
    }

    private TokenServices services(Path keyFile, String algorithm) throws Exception {
        RouteConfig route = new RouteConfig("ops", "/tools/ops/", URI.create("http://127.0.0.1:9/"),
                Duration.ofSeconds(2), Duration.ofSeconds(30), "ops");
        GatewayConfig config = new GatewayConfig(null, new ListenerConfig("127.0.0.1", 0),
                new ListenerConfig("127.0.0.1", 0), ORIGIN, List.of(route), List.of(),
                new SigningKeyConfig(keyFile, algorithm), new AuditConfig(directory.resolve("audit")),
                TOKENS,
                new PolicyConfig(new OperatorConfig(Set.of("oncall"), Set.of("hwk"), null, null), List.of()), null);
        return TokenServices.create(config, ORIGIN, new Fixture.FakeAuthority(), clock);
    }

    private static JWK activeKey(Path keyFile) throws Exception {
        return JWKSet.parse(Files.readString(keyFile)).getKeys().get(0);
    }

    private static List<String> keyIds(String jwksJson) throws Exception {
        return JWKSet.parse(jwksJson).getKeys().stream().map(JWK::getKeyID).toList();
    }

    private static String signedKeyId(TokenServices services) throws Exception {
        String token = services.txnTokens().issue(new Principal("https://idp.example.test",
                "alice", Set.of(), null, Set.of(), null), null, Set.of(), "txn-1", "ops");
        return SignedJWT.parse(token).getHeader().getKeyID();
    }

    /** Returns a capability token for tool {@code ops} as the token endpoint mints it, signed with {@code key}. */
    private String capability(JWK key) throws Exception {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ORIGIN)
                .subject("alice")
                .audience("ops")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(10)))
                .jwtID(UUID.randomUUID().toString())
                .claim("cnf", Map.of("jkt", proofKey.computeThumbprint().toString()))
                .claim("scope", "ops.read")
                .claim("subject_issuer", Fixture.IDP)
                .build();
        boolean edDsa = key instanceof OctetKeyPair;
        JWSHeader header = new JWSHeader.Builder(edDsa ? JWSAlgorithm.EdDSA : JWSAlgorithm.ES256)
                .type(new JOSEObjectType("at+jwt"))
                .keyID(key.getKeyID())
                .build();
        JWSSigner signer = edDsa ? new Ed25519JcaSigner((OctetKeyPair) key) : new ECDSASigner((ECKey) key);
        SignedJWT jwt = new SignedJWT(header, claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private VerifiedCall authenticate(TokenServices services, String token) throws OAuthException {
        String proof = Fixture.proof(proofKey, "GET", OPS_QUEUES.toString(), clock.instant(), token);
        return services.authenticator().authenticate("GET", OPS_QUEUES, "ops", List.of("DPoP " + token),
                List.of(proof)).orElseThrow();
    }
}
