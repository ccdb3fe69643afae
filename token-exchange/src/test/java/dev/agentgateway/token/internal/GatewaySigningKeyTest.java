package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewaySigningKeyTest {

    @TempDir
    Path directory;

    @Test
    void generatesOwnerOnlyKeyFile() throws Exception {
        Path file = directory.resolve("new/dir/signing-key.jwk");

        GatewaySigningKey key = GatewaySigningKey.loadOrGenerate(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        ECKey stored = JWKSet.parse(Files.readString(file)).getKeys().get(0).toECKey();
        assertThat(stored.isPrivate()).isTrue();
        assertThat(stored.getCurve()).isEqualTo(Curve.P_256);
        assertThat(stored.getKeyID()).isEqualTo(stored.computeThumbprint().toString()).isEqualTo(key.keyId());
        assertThat(stored.getKeyUse().identifier()).isEqualTo("sig");
        assertThat(stored.getAlgorithm().getName()).isEqualTo("ES256");
        try (var files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary file left").containsExactly(file);
        }
    }

    @Test
    void reloadsSameKey() throws Exception {
        Path file = directory.resolve("signing-key.jwk");
        GatewaySigningKey first = GatewaySigningKey.loadOrGenerate(file);

        GatewaySigningKey second = GatewaySigningKey.loadOrGenerate(file);

        assertThat(second.keyId()).isEqualTo(first.keyId());
        assertThat(second.publicKeys().toString()).isEqualTo(first.publicKeys().toString());
    }

    @Test
    void publishesOnlyPublicKey() throws Exception {
        GatewaySigningKey key = GatewaySigningKey.loadOrGenerate(directory.resolve("signing-key.jwk"));

        assertThat(key.publicKeys().getKeys()).hasSize(1);
        assertThat(key.publicKeys().getKeys().get(0).isPrivate()).isFalse();
        assertThat(key.publicKeys().toString(false)).doesNotContain("\"d\"");
        assertThat(key.toString()).doesNotContain("\"d\"");
    }

    @Test
    void signsVerifiableTokens() throws Exception {
        GatewaySigningKey key = GatewaySigningKey.loadOrGenerate(directory.resolve("signing-key.jwk"));

        SignedJWT jwt = SignedJWT.parse(key.sign(new JOSEObjectType("at+jwt"),
                new JWTClaimsSet.Builder().subject("alice").build()));

        assertThat(jwt.verify(new ECDSAVerifier(key.publicKeys().getKeys().get(0).toECKey()))).isTrue();
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(key.keyId());
    }

    @Test
    void groupReadableFileRejected() throws Exception {
        Path file = directory.resolve("signing-key.jwk");
        GatewaySigningKey.loadOrGenerate(file);

        for (String permissions : List.of("rw-r-----", "rw----r--", "rw-rw-rw-", "rw-----w-")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
            assertThatThrownBy(() -> GatewaySigningKey.loadOrGenerate(file)).as(permissions)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("chmod 600");
        }
    }

    @Test
    void publicOnlyKeyRejected() throws Exception {
        Path file = ownerOnlyFile(new ECKeyGenerator(Curve.P_256).generate().toPublicJWK().toJSONString());

        assertThatThrownBy(() -> GatewaySigningKey.loadOrGenerate(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("only a public key");
    }

    @Test
    void wrongCurveRejected() throws Exception {
        Path file = ownerOnlyFile(new ECKeyGenerator(Curve.P_384).generate().toJSONString());

        assertThatThrownBy(() -> GatewaySigningKey.loadOrGenerate(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("P-256");
    }

    @Test
    void wrongKeyTypeRejected() throws Exception {
        Path file = ownerOnlyFile(new RSAKeyGenerator(2048).generate().toJSONString());

        assertThatThrownBy(() -> GatewaySigningKey.loadOrGenerate(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("RSA");
    }

    @Test
    void malformedFileRejectedWithoutContent() throws Exception {
        Path file = ownerOnlyFile("{\"kty\":\"EC\",\"d\":\"c2VjcmV0LXZhbHVl\"");

        assertThatThrownBy(() -> GatewaySigningKey.loadOrGenerate(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a valid JWK")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("c2VjcmV0LXZhbHVl"));
    }

    @Test
    void keyWithoutKidGetsThumbprint() throws Exception {
        ECKey generated = new ECKeyGenerator(Curve.P_256).generate();
        Path file = ownerOnlyFile(generated.toJSONString());

        assertThat(GatewaySigningKey.loadOrGenerate(file).keyId()).isEqualTo(generated.computeThumbprint().toString());
    }

    @Test
    void corruptFileLoggedOncePerVersion() throws Exception {
        Path file = directory.resolve("signing-key.jwk");
        ManualClock clock = new ManualClock(Instant.now());
        GatewaySigningKey key = GatewaySigningKey.loadOrGenerate(file, "EdDSA", Duration.ofSeconds(65), clock);
        String keyId = key.keyId();

        try (LogCapture log = new LogCapture(GatewaySigningKey.class)) {
            Files.writeString(file, "{\"keys\": [");
            for (int i = 0; i < 3; i++) {
                clock.advance(Duration.ofSeconds(1));
                assertThat(key.keyId()).isEqualTo(keyId);
            }

            assertThat(log.messages(Level.ERROR)).hasSize(1);
            assertThat(log.messages(Level.ERROR).get(0)).contains(file.toString()).contains(keyId)
                    .doesNotContain("\"d\"");
        }
    }

    @Test
    void retiredKeyWithoutTimeRejected() throws Exception {
        ECKey active = new ECKeyGenerator(Curve.P_256).keyID("active").generate();
        ECKey retired = new ECKeyGenerator(Curve.P_256).keyID("retired").generate();
        Path file = ownerOnlyFile("{\"keys\": [" + active.toJSONString() + "," + retired.toPublicJWK().toJSONString()
                + "]}");

        assertThatThrownBy(() -> GatewaySigningKey.loadOrGenerate(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("retired key retired has no retired_at instant");
    }

    @Test
    void edDsaKeyWithoutKidGetsThumbprint() throws Exception {
        OctetKeyPair generated = new OctetKeyPair.Builder(Ed25519Keys.generate()).keyID(null).build();
        Path file = ownerOnlyFile(generated.toJSONString());

        assertThat(GatewaySigningKey.loadOrGenerate(file).keyId()).isEqualTo(generated.computeThumbprint().toString());
    }

    private Path ownerOnlyFile(String content) throws IOException {
        Path file = directory.resolve("key-" + System.nanoTime() + ".jwk");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content);
        return file;
    }
}
