package dev.agentgateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditProofsTest {

    private static final Instant TIME = Instant.parse("2026-03-01T12:00:00.123Z");
    private static final AuditSigningKey KEY = AuditSigningKey.generate("ES256");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;
    Path directory;

    @BeforeEach
    void writeLog() throws IOException {
        directory = temp.resolve("audit");
        // 13 records in segments of 4, checkpoints at 5 and 10; records 11 to 13 are not covered.
        new LogBuilder(directory, KEY, TIME, 4, 5).append(13);
    }

    @Test
    void proofForEveryCoveredRecordVerifies() throws IOException {
        for (long seq = 1; seq <= 10; seq++) {
            String proof = AuditProofs.prove(directory, seq);
            AuditProofs.ProofVerification result = AuditProofs.verifyProof(proof, List.of(KEY.publicKey()));

            assertThat(result.valid()).as("seq %d: %s", seq, result.message()).isTrue();
            assertThat(result.sequence()).isEqualTo(seq);
            assertThat(result.treeSize()).isEqualTo(10);
        }
    }

    @Test
    void proofHasPinnedCanonicalForm() throws IOException {
        String proof = AuditProofs.prove(directory, 7);
        JsonNode node = JSON.readTree(proof);
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);

        assertThat(names).containsExactly("checkpoint", "path", "record", "seq", "tree_size");
        assertThat(node.get("seq").asLong()).isEqualTo(7);
        assertThat(node.get("tree_size").asLong()).isEqualTo(10);
        assertThat(node.get("checkpoint").asText())
                .isEqualTo(Files.readAllLines(directory.resolve(AuditVerifier.CHECKPOINT_FILE_NAME)).get(1));
        assertThat(node.get("record").asText())
                .isEqualTo(Files.readAllLines(directory.resolve(LogFiles.segmentName(5))).get(2));
        assertThat(proof).doesNotContain("\n").startsWith("{\"checkpoint\":\"{\\\"alg\\\":\\\"ES256\\\"");
    }

    @Test
    void uncoveredRecordRejected() {
        assertThatThrownBy(() -> AuditProofs.prove(directory, 11))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wait for the next checkpoint");
        assertThatThrownBy(() -> AuditProofs.prove(directory, 13))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wait for the next checkpoint");
        assertThatThrownBy(() -> AuditProofs.prove(directory, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recordBeyondLogRejected() {
        assertThatThrownBy(() -> AuditProofs.prove(directory, 14))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("record 14 does not exist: the log has 13 records (expected: SEQ from 1 to 13)");
    }

    @Test
    void recordBeyondLogWithoutCheckpointsRejected() throws IOException {
        Files.delete(directory.resolve(AuditVerifier.CHECKPOINT_FILE_NAME));

        assertThatThrownBy(() -> AuditProofs.prove(directory, 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("record 20 does not exist: the log has 13 records");
        assertThatThrownBy(() -> AuditProofs.prove(directory, 13))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the log has none (wait for the next checkpoint");
    }

    @Test
    void emptyDirectoryHasNoLog() throws IOException {
        Path empty = Files.createDirectories(temp.resolve("empty"));

        assertThatThrownBy(() -> AuditProofs.prove(empty, 1)).isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    @Test
    void tamperedProofsFail() throws IOException {
        String proof = AuditProofs.prove(directory, 7);
        List<AuditPublicKey> keys = List.of(KEY.publicKey());

        assertInvalid(edit(proof, p -> p.put("seq", 8)), keys, "seq");
        assertInvalid(edit(proof, p -> p.put("tree_size", 11)), keys, "tree_size 11");
        assertInvalid(edit(proof, p -> p.put("record", p.get("record").asText().replace("allow", "deny"))), keys,
                "inclusion path does not lead");
        assertInvalid(edit(proof, p -> {
            ArrayNode path = (ArrayNode) p.get("path");
            String first = path.get(0).asText();
            path.set(0, JSON.getNodeFactory().textNode((first.charAt(0) == 'a' ? "b" : "a") + first.substring(1)));
        }), keys, "inclusion path does not lead");
        assertInvalid(edit(proof, p -> ((ArrayNode) p.get("path")).remove(0)), keys, "inclusion path");
        assertInvalid(edit(proof, p -> p.put("checkpoint", p.get("checkpoint").asText().replace("\"size\":10",
                "\"size\":11"))), keys, "signature does not verify");
        assertInvalid(proof, List.of(AuditSigningKey.generate("ES256").publicKey()), "not one of the given keys");
        assertInvalid(edit(proof, p -> p.put("extra", 1)), keys, "members");
        assertInvalid("not json", keys, "invalid JSON");
    }

    @Test
    void proofWithTrailingNewlineVerifies() throws IOException {
        String proof = AuditProofs.prove(directory, 3) + "\n";

        assertThat(AuditProofs.verifyProof(proof, List.of(KEY.publicKey())).valid()).isTrue();
    }

    @Test
    void proveRejectsLogNotMatchingCheckpoint() throws IOException {
        Path segment = directory.resolve(LogFiles.segmentName(1));
        Files.writeString(segment, Files.readString(segment).replace("\"decision\":\"allow\"",
                "\"decision\":\"deny\""));

        assertThatThrownBy(() -> AuditProofs.prove(directory, 2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("do not hash to the latest checkpoint's root");
    }

    private static void assertInvalid(String proof, List<AuditPublicKey> keys, String message) {
        AuditProofs.ProofVerification result = AuditProofs.verifyProof(proof, keys);
        assertThat(result.valid()).as(proof).isFalse();
        assertThat(result.message()).contains(message);
    }

    private static String edit(String proof, java.util.function.Consumer<ObjectNode> change) throws IOException {
        ObjectNode node = (ObjectNode) JSON.readTree(proof);
        change.accept(node);
        return JSON.writeValueAsString(node);
    }
}
