package dev.agentgateway.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Collects the node hashes of one Merkle proof while the leaves stream past, so a proof over a log of any length
 * needs O(log n) memory. The proof's ranges are disjoint, so at most one is being hashed at any time. Ranges that
 * end at or before the builder's size when the proof is started are taken from the builder's kept subtrees. Not
 * thread-safe.
 */
final class StreamedProof {

    private final List<MerkleTree.Range> ranges;
    private final byte[][] hashes;
    private final List<Integer> pending = new ArrayList<>();
    private int next;
    private MerkleTree.Builder current;

    /**
     * Starts collecting the hashes of {@code ranges} (in proof order), reading ranges that lie within the first
     * {@code prefix.size()} leaves from {@code prefix}; later leaves must be passed to {@link #add}.
     */
    StreamedProof(List<MerkleTree.Range> ranges, MerkleTree.Builder prefix) {
        this.ranges = List.copyOf(ranges);
        this.hashes = new byte[ranges.size()][];
        for (int i = 0; i < ranges.size(); i++) {
            MerkleTree.Range range = ranges.get(i);
            if (range.end() <= prefix.size()) {
                hashes[i] = prefix.rangeHash(range.start(), range.end());
            } else {
                pending.add(i);
            }
        }
        pending.sort(Comparator.comparingLong(i -> ranges.get(i).start()));
    }

    /** Passes the leaf at {@code index}; leaves must come in order and without gaps. */
    void add(long index, byte[] leafHash) {
        if (next >= pending.size()) {
            return;
        }
        MerkleTree.Range range = ranges.get(pending.get(next));
        if (!range.contains(index)) {
            return;
        }
        if (current == null) {
            current = new MerkleTree.Builder();
        }
        current.addLeafHash(leafHash);
        if (index == range.end() - 1) {
            hashes[pending.get(next)] = current.root();
            current = null;
            next++;
        }
    }

    /** Returns whether every node hash is known. */
    boolean complete() {
        return next == pending.size();
    }

    /** Returns the proof in order. */
    List<byte[]> proof() {
        if (!complete()) {
            throw new IllegalStateException("proof incomplete: " + (pending.size() - next) + " ranges not hashed");
        }
        return List.of(hashes);
    }
}
