package dev.agentgateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CheckpointTest {

    private static final Instant TIME = Instant.parse("2026-12-04T20:30:00.123456Z");
    private static final byte[] ROOT = MerkleTree.leafHash("record".getBytes(StandardCharsets.UTF_8));
    private static final byte[] PREVIOUS = Checkpoint.lineHash("previous line".getBytes(StandardCharsets.UTF_8));

    @ParameterizedTest
    @ValueSource(strings = {"EdDSA", "ES256"})
    void signParseVerify(String algorithm) {
        AuditSigningKey key = AuditSigningKey.generate(algorithm);
        Checkpoint checkpoint = Checkpoint.sign(key, 17, ROOT, TIME, PREVIOUS);
        String line = checkpoint.toLine();

        assertThat(line).isEqualTo("{\"alg\":\"" + algorithm + "\",\"kid\":\"" + key.keyId() + "\",\"prev\":\""
                + HexFormat.of().formatHex(PREVIOUS) + "\",\"root\":\""
                + HexFormat.of().formatHex(ROOT) + "\",\"sig\":\""
                + Base64.getUrlEncoder().withoutPadding().encodeToString(checkpoint.signature())
                + "\",\"size\":17,\"time\":\"2026-12-04T20:30:00.123Z\"}");
        assertThat(new String(checkpoint.signedBytes(), StandardCharsets.UTF_8))
                .isEqualTo("{\"alg\":\"" + algorithm + "\",\"kid\":\"" + key.keyId() + "\",\"prev\":\""
                        + HexFormat.of().formatHex(PREVIOUS) + "\",\"root\":\""
                        + HexFormat.of().formatHex(ROOT) + "\",\"size\":17,\"time\":\"2026-12-04T20:30:00.123Z\"}");
        assertThat(checkpoint.signature()).hasSize(64);

        Checkpoint parsed = Checkpoint.parse(line);
        assertThat(parsed).isEqualTo(checkpoint);
        assertThat(parsed.verify(key.publicKey())).isTrue();
        assertThat(parsed.verify(AuditSigningKey.generate(algorithm).publicKey())).isFalse();
    }

    @Test
    void verifyFailsForChangedFields() {
        AuditSigningKey key = AuditSigningKey.generate("EdDSA");
        Checkpoint checkpoint = Checkpoint.sign(key, 17, ROOT, TIME, PREVIOUS);
        byte[] otherRoot = ROOT.clone();
        otherRoot[0] ^= 1;

        assertThat(new Checkpoint("EdDSA", key.keyId(), PREVIOUS, otherRoot, 17, checkpoint.time(),
                checkpoint.signature()).verify(key.publicKey())).as("root").isFalse();
        assertThat(new Checkpoint("EdDSA", key.keyId(), PREVIOUS, ROOT, 18, checkpoint.time(),
                checkpoint.signature()).verify(key.publicKey())).as("size").isFalse();
        assertThat(new Checkpoint("EdDSA", key.keyId(), PREVIOUS, ROOT, 17, checkpoint.time().plusMillis(1),
                checkpoint.signature()).verify(key.publicKey())).as("time").isFalse();
        assertThat(new Checkpoint("EdDSA", key.keyId(), Checkpoint.firstPrevious(), ROOT, 17, checkpoint.time(),
                checkpoint.signature()).verify(key.publicKey())).as("prev").isFalse();
    }

    @Test
    void parseRejectsNonCanonicalLines() {
        AuditSigningKey key = AuditSigningKey.generate("EdDSA");
        String line = Checkpoint.sign(key, 17, ROOT, TIME, PREVIOUS).toLine();

        assertRejected(line.replace(",\"size\":17", ", \"size\":17"), "canonical");
        assertRejected(line.replace("\"size\":17", "\"size\":17.0"), "integer");
        assertRejected(line.replace("\"size\":17", "\"size\":1.7e1"), "integer");
        assertRejected(line.replace("\"size\":17", "\"size\":\"17\""), "size");
        assertRejected(line.replace("{\"alg\"", "{\"alg\":\"EdDSA\",\"alg\""), "invalid JSON");
        assertRejected(line.replace("}", ",\"extra\":1}"), "extra");
        assertRejected(line.replace("\"size\":17,", ""), "members");
        assertRejected(line.replace(".123Z", "Z"), "time");
        assertRejected(line.replace(".123Z", ".123+00:00"), "time");
        assertRejected(line.replace(HexFormat.of().formatHex(ROOT), HexFormat.of().formatHex(ROOT).toUpperCase()),
                "root");
        assertRejected(line.replace(HexFormat.of().formatHex(PREVIOUS), HexFormat.of().formatHex(PREVIOUS)
                .substring(2)), "checkpoint prev rejected");
        assertRejected(line.replace(",\"prev\":\"" + HexFormat.of().formatHex(PREVIOUS) + "\"", ""), "members");
        assertRejected(line + " ", "canonical");
        assertRejected(line + "{}", "content after");
        assertRejected(line.replace("\"size\":17", "\"size\":0"), "size");
        assertRejected(line.replace("\"alg\":\"EdDSA\"", "\"alg\":\"none\""), "\"none\"");
        assertRejected("[]", "not a JSON object");
        assertRejected("", "not a JSON object");
    }

    @Test
    void parseRejectsPaddedOrNonCanonicalSignature() {
        AuditSigningKey key = AuditSigningKey.generate("EdDSA");
        Checkpoint checkpoint = Checkpoint.sign(key, 1, ROOT, TIME, PREVIOUS);
        String sig = Base64.getUrlEncoder().withoutPadding().encodeToString(checkpoint.signature());
        String line = checkpoint.toLine();

        assertRejected(line.replace(sig, sig + "=="), "base64url");
        char last = sig.charAt(sig.length() - 1);
        char changed = switch (last) {
            case 'A' -> 'B';
            case 'Q' -> 'R';
            case 'g' -> 'h';
            case 'w' -> 'x';
            default -> 'A';
        };
        String nonCanonical = sig.substring(0, sig.length() - 1) + changed;
        if (!java.util.Arrays.equals(Base64.getUrlDecoder().decode(nonCanonical), checkpoint.signature())) {
            nonCanonical = sig;
        }
        if (!nonCanonical.equals(sig)) {
            assertRejected(line.replace(sig, nonCanonical), "canonical");
        }
        assertRejected(line.replace(sig, sig.substring(2)), "64");
    }

    @Test
    void signTruncatesToMilliseconds() {
        Checkpoint checkpoint = Checkpoint.sign(AuditSigningKey.generate("EdDSA"), 1, ROOT, TIME, PREVIOUS);
        assertThat(checkpoint.time()).isEqualTo(Instant.parse("2026-12-04T20:30:00.123Z"));
    }

    @Test
    void arraysAreCopied() {
        AuditSigningKey key = AuditSigningKey.generate("EdDSA");
        Checkpoint checkpoint = Checkpoint.sign(key, 1, ROOT, TIME, PREVIOUS);
        checkpoint.root()[0] ^= 1;
        checkpoint.previous()[0] ^= 1;
        checkpoint.signature()[0] ^= 1;
        assertThat(checkpoint.verify(key.publicKey())).isTrue();
    }

    private static void assertRejected(String line, String message) {
        assertThatThrownBy(() -> Checkpoint.parse(line)).as(line)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
