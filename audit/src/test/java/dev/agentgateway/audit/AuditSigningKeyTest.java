package dev.agentgateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentgateway.config.SigningKeyConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuditSigningKeyTest {

    private static final byte[] DATA = "checkpoint bytes".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"EdDSA", "ES256"})
    void signAndVerify(String algorithm) {
        AuditSigningKey key = AuditSigningKey.generate(algorithm);
        byte[] signature = key.sign(DATA);

        assertThat(key.algorithm()).isEqualTo(algorithm);
        assertThat(signature).as("64-byte signature (R || S for ES256)").hasSize(64);
        assertThat(key.publicKey().verify(DATA, signature)).isTrue();
        assertThat(key.publicKey().verify("other".getBytes(StandardCharsets.UTF_8), signature)).isFalse();
        signature[10] ^= 1;
        assertThat(key.publicKey().verify(DATA, signature)).isFalse();
        assertThat(key.publicKey().verify(DATA, new byte[70])).isFalse();
    }

    @Test
    void es256SignatureIsRawRAndS() throws Exception {
        AuditSigningKey key = AuditSigningKey.generate("ES256");
        byte[] signature = key.sign(DATA);
        assertThat(signature).hasSize(64);
        java.security.Signature der = java.security.Signature.getInstance("SHA256withECDSA");
        der.initVerify(((com.nimbusds.jose.jwk.ECKey) com.nimbusds.jose.jwk.JWK.parse(key.publicKey().toJson()))
                .toECPublicKey());
        der.update(DATA);
        assertThat(der.verify(toDer(signature))).as("R || S converted to DER verifies").isTrue();
    }

    private static byte[] toDer(byte[] rs) throws Exception {
        byte[] r = new java.math.BigInteger(1, java.util.Arrays.copyOfRange(rs, 0, 32)).toByteArray();
        byte[] s = new java.math.BigInteger(1, java.util.Arrays.copyOfRange(rs, 32, 64)).toByteArray();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0x30);
        out.write(4 + r.length + s.length);
        out.write(0x02);
        out.write(r.length);
        out.write(r);
        out.write(0x02);
        out.write(s.length);
        out.write(s);
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"EdDSA", "ES256"})
    void keyIdIsThumbprint(String algorithm) throws Exception {
        AuditSigningKey key = AuditSigningKey.generate(algorithm);
        String expected = com.nimbusds.jose.jwk.JWK.parse(key.publicKey().toJson()).computeThumbprint().toString();
        assertThat(key.keyId()).isEqualTo(expected).hasSize(43);
        assertThat(key.publicKey().keyId()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"EdDSA", "ES256"})
    void generatesOwnerOnlyFile(String algorithm) throws Exception {
        Path file = temp.resolve("keys/nested/audit-key.jwk");
        AuditSigningKey key = AuditSigningKey.loadOrGenerate(new SigningKeyConfig(file, algorithm));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        try (var listing = Files.list(file.getParent())) {
            assertThat(listing).as("no temporary file left behind").containsExactly(file);
        }
        JsonNode jwk = JSON.readTree(Files.readString(file));
        assertThat(jwk.get("kid").asText()).isEqualTo(key.keyId());
        assertThat(jwk.get("alg").asText()).isEqualTo(algorithm);
        assertThat(jwk.has("d")).isTrue();

        AuditSigningKey loaded = AuditSigningKey.loadOrGenerate(new SigningKeyConfig(file, "EdDSA"));
        assertThat(loaded.keyId()).isEqualTo(key.keyId());
        assertThat(loaded.algorithm()).as("a loaded key keeps its algorithm").isEqualTo(algorithm);
        assertThat(key.publicKey().verify(DATA, loaded.sign(DATA))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-r-----", "rw----r--", "rw-rw----", "rwx---rwx"})
    void loadRejectsFileOthersMayAccess(String permissions) throws Exception {
        Path file = temp.resolve("audit-key.jwk");
        AuditSigningKey.loadOrGenerate(new SigningKeyConfig(file, "EdDSA"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));

        assertThatThrownBy(() -> AuditSigningKey.loadOrGenerate(new SigningKeyConfig(file, "EdDSA")))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining(permissions)
                .hasMessageContaining("chmod 600");
    }

    @ParameterizedTest
    @ValueSource(strings = {"EdDSA", "ES256"})
    void toStringHidesPrivateKey(String algorithm) throws Exception {
        Path file = temp.resolve("audit-key.jwk");
        AuditSigningKey key = AuditSigningKey.loadOrGenerate(new SigningKeyConfig(file, algorithm));
        String d = JSON.readTree(Files.readString(file)).get("d").asText();

        assertThat(key.toString()).doesNotContain(d).contains(key.keyId());
        assertThat(key.publicKey().toString()).doesNotContain(d);
        assertThat(key.publicKey().toJson()).doesNotContain(d).doesNotContain("\"d\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"EdDSA", "ES256"})
    void publicKeyReadsPrivateFileAndDropsPrivatePart(String algorithm) throws Exception {
        Path file = temp.resolve("audit-key.jwk");
        AuditSigningKey key = AuditSigningKey.loadOrGenerate(new SigningKeyConfig(file, algorithm));

        AuditPublicKey fromPrivate = AuditPublicKey.read(file);
        assertThat(fromPrivate.keyId()).isEqualTo(key.keyId());
        assertThat(fromPrivate.toJson()).isEqualTo(key.publicKey().toJson()).doesNotContain("\"d\"");

        AuditPublicKey parsed = AuditPublicKey.parse(fromPrivate.toJson());
        assertThat(parsed).isEqualTo(key.publicKey());
        assertThat(parsed.verify(DATA, key.sign(DATA))).isTrue();
    }

    @Test
    void publicJsonIsCanonical() throws Exception {
        AuditPublicKey ec = AuditSigningKey.generate("ES256").publicKey();
        AuditPublicKey ed = AuditSigningKey.generate("EdDSA").publicKey();

        assertThat(fieldNames(ec.toJson())).containsExactly("alg", "crv", "kid", "kty", "x", "y");
        assertThat(fieldNames(ed.toJson())).containsExactly("alg", "crv", "kid", "kty", "x");
        assertThat(ed.toJson()).startsWith("{\"alg\":\"EdDSA\",\"crv\":\"Ed25519\",\"kid\":\"")
                .doesNotContain(" ");
    }

    private static List<String> fieldNames(String json) throws Exception {
        List<String> names = new java.util.ArrayList<>();
        JSON.readTree(json).fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void parseRejectsOtherKeys() {
        assertThatThrownBy(() -> AuditPublicKey.parse("{\"kty\":\"oct\",\"k\":\"AAAA\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: OKP with Ed25519, or EC with P-256");
        assertThatThrownBy(() -> AuditPublicKey.parse("{\"keys\":[]}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a JWK");
        assertThatThrownBy(() -> AuditPublicKey.parse("not json"))
                .isInstanceOf(IllegalArgumentException.class);
        String ed = AuditSigningKey.generate("EdDSA").publicKey().toJson();
        assertThatThrownBy(() -> AuditPublicKey.parse(ed.replace("\"alg\":\"EdDSA\"", "\"alg\":\"ES256\"")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alg \"ES256\"");
    }

    @Test
    void parseRejectsKidOtherThanThumbprint() {
        AuditPublicKey key = AuditSigningKey.generate("EdDSA").publicKey();
        String json = key.toJson().replace(key.keyId(), "other-kid");
        assertThatThrownBy(() -> AuditPublicKey.parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kid \"other-kid\"")
                .hasMessageContaining(key.keyId());
    }

    @Test
    void loadRejectsPublicKeyFile() throws Exception {
        Path file = temp.resolve("audit-key.jwk");
        Files.writeString(file, AuditSigningKey.generate("EdDSA").publicKey().toJson());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> AuditSigningKey.loadOrGenerate(new SigningKeyConfig(file, "EdDSA")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("expected: a private JWK");
    }

    @Test
    void generateRejectsUnknownAlgorithm() {
        assertThatThrownBy(() -> AuditSigningKey.generate("RS256"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"RS256\"");
    }
}
