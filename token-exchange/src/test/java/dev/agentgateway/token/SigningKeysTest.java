package dev.agentgateway.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import dev.agentgateway.token.internal.GatewaySigningKey;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeysTest {

    @TempDir
    Path directory;

    @Test
    void generateWritesOwnerOnlyPrivateKey() throws Exception {
        Path file = directory.resolve("keys/signing-key.jwk");

        String keyId = SigningKeys.generate(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        ECKey stored = JWKSet.parse(Files.readString(file)).getKeys().get(0).toECKey();
        assertThat(stored.isPrivate()).isTrue();
        assertThat(stored.getCurve()).isEqualTo(Curve.P_256);
        assertThat(stored.getAlgorithm().getName()).isEqualTo("ES256");
        assertThat(stored.getKeyID()).isEqualTo(keyId).isEqualTo(stored.computeThumbprint().toString());
    }

    @Test
    void generatedKeyLoadsAsSigningKey() throws Exception {
        Path file = directory.resolve("signing-key.jwk");
        String keyId = SigningKeys.generate(file);

        GatewaySigningKey loaded = GatewaySigningKey.loadOrGenerate(file);

        assertThat(loaded.keyId()).isEqualTo(keyId);
    }

    @Test
    void generateKeepsExistingFile() throws Exception {
        Path file = directory.resolve("signing-key.jwk");
        SigningKeys.generate(file);
        String original = Files.readString(file);

        assertThatThrownBy(() -> SigningKeys.generate(file))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("already exists");
        assertThat(Files.readString(file)).isEqualTo(original);
    }

    @Test
    void generateLeavesNoOtherFiles() throws Exception {
        Path file = directory.resolve("signing-key.jwk");

        SigningKeys.generate(file);

        try (var files = Files.list(directory)) {
            assertThat(files).containsExactly(file);
        }
    }
}
