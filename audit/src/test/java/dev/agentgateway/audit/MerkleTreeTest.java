package dev.agentgateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {

    private static final int MAX_SIZE = 20;
    private static final HexFormat HEX = HexFormat.of();

    /** MTH of RFC 9162 §2.1.1 written as directly as possible, to check the real code against. */
    private static byte[] referenceRoot(List<byte[]> records, int start, int end) {
        int n = end - start;
        if (n == 0) {
            return sha256(new byte[0]);
        }
        if (n == 1) {
            return sha256(concat(new byte[] {0}, records.get(start)));
        }
        int k = 1;
        while (k * 2 < n) {
            k *= 2;
        }
        return sha256(concat(new byte[] {1}, concat(referenceRoot(records, start, start + k),
                referenceRoot(records, start + k, end))));
    }

    /** PATH(m, D[n]) of RFC 9162 §2.1.3.1, recursive as written there. */
    private static List<byte[]> referencePath(List<byte[]> records, int m, int start, int end) {
        int n = end - start;
        List<byte[]> path = new ArrayList<>();
        if (n == 1) {
            return path;
        }
        int k = 1;
        while (k * 2 < n) {
            k *= 2;
        }
        if (m < k) {
            path.addAll(referencePath(records, m, start, start + k));
            path.add(referenceRoot(records, start + k, end));
        } else {
            path.addAll(referencePath(records, m - k, start + k, end));
            path.add(referenceRoot(records, start, start + k));
        }
        return path;
    }

    /** SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1. */
    private static List<byte[]> referenceSubproof(List<byte[]> records, int m, int start, int end, boolean b) {
        int n = end - start;
        List<byte[]> proof = new ArrayList<>();
        if (m == n) {
            if (!b) {
                proof.add(referenceRoot(records, start, end));
            }
            return proof;
        }
        int k = 1;
        while (k * 2 < n) {
            k *= 2;
        }
        if (m <= k) {
            proof.addAll(referenceSubproof(records, m, start, start + k, b));
            proof.add(referenceRoot(records, start + k, end));
        } else {
            proof.addAll(referenceSubproof(records, m - k, start + k, end, false));
            proof.add(referenceRoot(records, start, start + k));
        }
        return proof;
    }

    private static List<byte[]> records(int count) {
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(("{\"seq\":" + (i + 1) + "}").getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    private static List<byte[]> leafHashes(List<byte[]> records) {
        return records.stream().map(MerkleTree::leafHash).toList();
    }

    @Test
    void emptyRootIsSha256OfNothing() {
        assertThat(HEX.formatHex(MerkleTree.emptyRoot()))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(new MerkleTree.Builder().root()).isEqualTo(MerkleTree.emptyRoot());
    }

    @Test
    void leafAndNodeHashPrefixes() {
        assertThat(HEX.formatHex(MerkleTree.leafHash(new byte[0])))
                .as("RFC 6962 test vector: hash of the empty leaf")
                .isEqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        byte[] left = MerkleTree.leafHash(new byte[] {1});
        byte[] right = MerkleTree.leafHash(new byte[] {2});
        assertThat(MerkleTree.nodeHash(left, right)).isEqualTo(sha256(concat(new byte[] {1}, concat(left, right))));
    }

    @Test
    void builderMatchesReferenceForEverySize() {
        List<byte[]> records = records(MAX_SIZE);
        MerkleTree.Builder builder = new MerkleTree.Builder();
        for (int n = 0; n <= MAX_SIZE; n++) {
            assertThat(builder.size()).isEqualTo(n);
            assertThat(builder.root()).as("root of size %d", n).isEqualTo(referenceRoot(records, 0, n));
            if (n < MAX_SIZE) {
                builder.addLeafHash(MerkleTree.leafHash(records.get(n)));
            }
        }
    }

    @Test
    void builderKeepsLogarithmicState() throws Exception {
        MerkleTree.Builder builder = new MerkleTree.Builder();
        for (int i = 0; i < 1000; i++) {
            builder.addLeafHash(MerkleTree.leafHash(new byte[] {(byte) i}));
        }
        var field = MerkleTree.Builder.class.getDeclaredField("subtrees");
        field.setAccessible(true);
        assertThat((List<?>) field.get(builder)).hasSize(Long.bitCount(1000));
    }

    @Test
    void builderRejectsShortLeafHash() {
        assertThatThrownBy(() -> new MerkleTree.Builder().addLeafHash(new byte[31]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("31 bytes");
    }

    @Test
    void inclusionProofsForEveryIndexAndSize() {
        List<byte[]> records = records(MAX_SIZE);
        for (int n = 1; n <= MAX_SIZE; n++) {
            List<byte[]> leaves = leafHashes(records.subList(0, n));
            byte[] root = referenceRoot(records, 0, n);
            for (int m = 0; m < n; m++) {
                List<byte[]> proof = MerkleTree.inclusionProof(leaves, m);
                assertThat(proof).as("proof for %d in %d", m, n)
                        .usingElementComparator(MerkleTreeTest::compareBytes)
                        .containsExactlyElementsOf(referencePath(records, m, 0, n));
                assertThat(MerkleTree.verifyInclusion(leaves.get(m), m, n, proof, root))
                        .as("verify %d in %d", m, n).isTrue();
            }
        }
    }

    @Test
    void tamperedInclusionProofsFail() {
        List<byte[]> records = records(MAX_SIZE + 1);
        for (int n = 1; n <= MAX_SIZE; n++) {
            List<byte[]> leaves = leafHashes(records.subList(0, n));
            byte[] root = referenceRoot(records, 0, n);
            byte[] largerRoot = referenceRoot(records, 0, n + 1);
            for (int m = 0; m < n; m++) {
                List<byte[]> proof = MerkleTree.inclusionProof(leaves, m);
                byte[] leaf = leaves.get(m);
                assertThat(MerkleTree.verifyInclusion(flip(leaf), m, n, proof, root)).isFalse();
                assertThat(MerkleTree.verifyInclusion(leaf, m, n, proof, flip(root))).isFalse();
                assertThat(MerkleTree.verifyInclusion(leaf, m, n + 1, proof, largerRoot)).as("size + 1").isFalse();
                if (n > 1) {
                    assertThat(MerkleTree.verifyInclusion(leaf, (m + 1) % n, n, proof, root)).as("other index")
                            .isFalse();
                    assertThat(MerkleTree.verifyInclusion(leaf, m, n, proof.subList(0, proof.size() - 1), root))
                            .as("shortened").isFalse();
                }
                for (int i = 0; i < proof.size(); i++) {
                    List<byte[]> tampered = new ArrayList<>(proof);
                    tampered.set(i, flip(proof.get(i)));
                    assertThat(MerkleTree.verifyInclusion(leaf, m, n, tampered, root)).isFalse();
                }
                List<byte[]> longer = new ArrayList<>(proof);
                longer.add(root);
                assertThat(MerkleTree.verifyInclusion(leaf, m, n, longer, root)).as("extended").isFalse();
            }
        }
    }

    @Test
    void inclusionRejectsIndexOutsideTree() {
        List<byte[]> leaves = leafHashes(records(3));
        assertThatThrownBy(() -> MerkleTree.inclusionProof(leaves, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leaf index 3");
        assertThat(MerkleTree.verifyInclusion(leaves.get(0), -1, 3, List.of(), MerkleTree.emptyRoot())).isFalse();
        assertThat(MerkleTree.verifyInclusion(leaves.get(0), 0, 0, List.of(), MerkleTree.emptyRoot())).isFalse();
    }

    @Test
    void consistencyProofsForEveryPair() {
        List<byte[]> records = records(MAX_SIZE);
        List<byte[]> leaves = leafHashes(records);
        for (int n = 1; n <= MAX_SIZE; n++) {
            byte[] newRoot = referenceRoot(records, 0, n);
            for (int m = 0; m <= n; m++) {
                byte[] oldRoot = referenceRoot(records, 0, m);
                List<byte[]> proof = MerkleTree.consistencyProof(leaves, m, n);
                List<byte[]> expected = m == 0 || m == n ? List.of() : referenceSubproof(records, m, 0, n, true);
                assertThat(proof).as("proof %d to %d", m, n)
                        .usingElementComparator(MerkleTreeTest::compareBytes)
                        .containsExactlyElementsOf(expected);
                assertThat(MerkleTree.verifyConsistency(m, n, oldRoot, newRoot, proof))
                        .as("verify %d to %d", m, n).isTrue();
            }
        }
    }

    @Test
    void tamperedConsistencyProofsFail() {
        List<byte[]> records = records(MAX_SIZE + 1);
        List<byte[]> leaves = leafHashes(records);
        for (int n = 2; n <= MAX_SIZE; n++) {
            byte[] newRoot = referenceRoot(records, 0, n);
            byte[] largerRoot = referenceRoot(records, 0, n + 1);
            for (int m = 1; m < n; m++) {
                byte[] oldRoot = referenceRoot(records, 0, m);
                List<byte[]> proof = MerkleTree.consistencyProof(leaves, m, n);
                assertThat(MerkleTree.verifyConsistency(m, n, flip(oldRoot), newRoot, proof)).isFalse();
                assertThat(MerkleTree.verifyConsistency(m, n, oldRoot, flip(newRoot), proof)).isFalse();
                assertThat(MerkleTree.verifyConsistency(m, n, oldRoot, newRoot, List.of())).isFalse();
                if (m + 1 < n) {
                    assertThat(MerkleTree.verifyConsistency(m + 1, n, referenceRoot(records, 0, m + 1), newRoot,
                            proof)).as("old size + 1").isFalse();
                }
                assertThat(MerkleTree.verifyConsistency(m, n + 1, oldRoot, largerRoot, proof)).as("new size + 1")
                        .isFalse();
                for (int i = 0; i < proof.size(); i++) {
                    List<byte[]> tampered = new ArrayList<>(proof);
                    tampered.set(i, flip(proof.get(i)));
                    assertThat(MerkleTree.verifyConsistency(m, n, oldRoot, newRoot, tampered))
                            .as("element %d of proof %d to %d", i, m, n).isFalse();
                }
                List<byte[]> longer = new ArrayList<>(proof);
                longer.add(newRoot);
                assertThat(MerkleTree.verifyConsistency(m, n, oldRoot, newRoot, longer)).as("extended").isFalse();
            }
        }
    }

    @Test
    void consistencyWithDifferentHistoryFails() {
        List<byte[]> records = records(MAX_SIZE);
        List<byte[]> forged = new ArrayList<>(records);
        forged.set(2, "{\"seq\":3,\"forged\":true}".getBytes(StandardCharsets.UTF_8));
        List<byte[]> proof = MerkleTree.consistencyProof(leafHashes(forged), 5, 12);
        assertThat(MerkleTree.verifyConsistency(5, 12, referenceRoot(records, 0, 5), referenceRoot(forged, 0, 12),
                proof)).isFalse();
    }

    @Test
    void consistencyEdgeSizes() {
        byte[] root = referenceRoot(records(4), 0, 4);
        assertThat(MerkleTree.verifyConsistency(4, 4, root, root, List.of())).isTrue();
        assertThat(MerkleTree.verifyConsistency(4, 4, root, flip(root), List.of())).isFalse();
        assertThat(MerkleTree.verifyConsistency(4, 4, root, root, List.of(root))).isFalse();
        assertThat(MerkleTree.verifyConsistency(0, 4, MerkleTree.emptyRoot(), root, List.of())).isTrue();
        assertThat(MerkleTree.verifyConsistency(0, 4, root, root, List.of())).isFalse();
        assertThat(MerkleTree.verifyConsistency(5, 4, root, root, List.of())).isFalse();
        assertThatThrownBy(() -> MerkleTree.consistencyProof(leafHashes(records(4)), 3, 5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void streamedProofsMatchListProofs() {
        List<byte[]> leaves = leafHashes(records(MAX_SIZE));
        for (int n = 1; n <= MAX_SIZE; n++) {
            for (int m = 0; m <= n; m++) {
                MerkleTree.Builder prefix = new MerkleTree.Builder();
                leaves.subList(0, m).forEach(prefix::addLeafHash);
                StreamedProof consistency = new StreamedProof(MerkleTree.consistencyRanges(m, n), prefix);
                for (int i = m; i < n; i++) {
                    consistency.add(i, leaves.get(i));
                }
                assertThat(consistency.proof()).as("consistency %d to %d", m, n)
                        .usingElementComparator(MerkleTreeTest::compareBytes)
                        .containsExactlyElementsOf(MerkleTree.consistencyProof(leaves, m, n));
            }
            for (int m = 0; m < n; m++) {
                StreamedProof inclusion = new StreamedProof(MerkleTree.inclusionRanges(m, n), new MerkleTree.Builder());
                for (int i = 0; i < n; i++) {
                    inclusion.add(i, leaves.get(i));
                }
                assertThat(inclusion.proof()).as("inclusion %d in %d", m, n)
                        .usingElementComparator(MerkleTreeTest::compareBytes)
                        .containsExactlyElementsOf(MerkleTree.inclusionProof(leaves.subList(0, n), m));
            }
        }
    }

    @Test
    void rangesAreDisjoint() {
        for (long n = 1; n <= 40; n++) {
            for (long m = 0; m <= n; m++) {
                assertDisjoint(MerkleTree.consistencyRanges(m, n));
                if (m < n) {
                    assertDisjoint(MerkleTree.inclusionRanges(m, n));
                }
            }
        }
    }

    private static void assertDisjoint(List<MerkleTree.Range> ranges) {
        for (int i = 0; i < ranges.size(); i++) {
            for (int j = i + 1; j < ranges.size(); j++) {
                MerkleTree.Range a = ranges.get(i);
                MerkleTree.Range b = ranges.get(j);
                assertThat(a.end() <= b.start() || b.end() <= a.start()).as("%s and %s", a, b).isTrue();
            }
        }
    }

    private static int compareBytes(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b) ? 0 : java.util.Arrays.compare(a, b);
    }

    private static byte[] flip(byte[] hash) {
        byte[] copy = hash.clone();
        copy[copy.length - 1] ^= 1;
        return copy;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
