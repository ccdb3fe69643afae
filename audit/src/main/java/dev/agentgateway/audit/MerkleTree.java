package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.RecordCodec;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Merkle tree hashing, inclusion proofs and consistency proofs of RFC 9162 §2.1, with SHA-256.
 *
 * <p>The tree head of {@code n} leaves is {@code MTH(D[n])} of §2.1.1: the empty tree hashes to SHA-256 of the
 * empty string, one leaf to {@code SHA-256(0x00 || leaf)}, and {@code n > 1} leaves to
 * {@code SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))}, where {@code k} is the largest power of two smaller than
 * {@code n}. All methods are thread-safe; {@link Builder} is not.
 */
public final class MerkleTree {

    /** Length of every hash in the tree, in bytes. */
    public static final int HASH_BYTES = 32;

    private static final byte LEAF_PREFIX = 0x00;
    private static final byte NODE_PREFIX = 0x01;

    private MerkleTree() {
    }

    /** Returns {@code SHA-256(0x00 || record)}, the hash of one leaf. */
    public static byte[] leafHash(byte[] record) {
        MessageDigest digest = RecordCodec.newSha256();
        digest.update(LEAF_PREFIX);
        digest.update(record);
        return digest.digest();
    }

    /** Returns {@code SHA-256(0x01 || left || right)}, the hash of an interior node. */
    public static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest digest = RecordCodec.newSha256();
        digest.update(NODE_PREFIX);
        digest.update(left);
        digest.update(right);
        return digest.digest();
    }

    /** Returns SHA-256 of the empty string, the head of the empty tree. */
    public static byte[] emptyRoot() {
        return RecordCodec.newSha256().digest();
    }

    /**
     * Computes the RFC 9162 §2.1.3.1 inclusion proof {@code PATH(index, D[n])} for the leaf at {@code index} in
     * the tree of all {@code leafHashes}, from the leaf's sibling up to the root's child.
     *
     * @throws IllegalArgumentException when {@code index} is not in {@code [0, leafHashes.size())}
     */
    public static List<byte[]> inclusionProof(List<byte[]> leafHashes, long index) {
        long size = leafHashes.size();
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("leaf index " + index + " out of range (expected: 0 to " + (size - 1)
                    + ")");
        }
        return hashRanges(leafHashes, inclusionRanges(index, size));
    }

    /**
     * Verifies an inclusion proof by the algorithm of RFC 9162 §2.1.3.2. Returns false for an index outside the
     * tree, a proof of the wrong length or an element that is not a 32-byte hash.
     */
    public static boolean verifyInclusion(byte[] leafHash, long index, long treeSize, List<byte[]> proof,
            byte[] root) {
        if (index < 0 || index >= treeSize || !isHash(leafHash) || !isHash(root) || !allHashes(proof)) {
            return false;
        }
        long fn = index;
        long sn = treeSize - 1;
        byte[] r = leafHash;
        for (byte[] p : proof) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(r, root);
    }

    /**
     * Computes the RFC 9162 §2.1.4.1 consistency proof {@code PROOF(oldSize, D[newSize])} over the first
     * {@code newSize} of {@code leafHashes}. The proof is empty when {@code oldSize} is 0 or equals
     * {@code newSize}, because there is nothing to prove then.
     *
     * @throws IllegalArgumentException unless {@code 0 <= oldSize <= newSize <= leafHashes.size()}
     */
    public static List<byte[]> consistencyProof(List<byte[]> leafHashes, long oldSize, long newSize) {
        if (oldSize < 0 || oldSize > newSize || newSize > leafHashes.size()) {
            throw new IllegalArgumentException("consistency proof from size " + oldSize + " to " + newSize
                    + " rejected (expected: 0 <= old size <= new size <= " + leafHashes.size() + ")");
        }
        return hashRanges(leafHashes, consistencyRanges(oldSize, newSize));
    }

    /**
     * Verifies a consistency proof by the algorithm of RFC 9162 §2.1.4.2. Sizes RFC 9162 leaves out are handled
     * as follows: equal sizes need an empty proof and equal roots, and an old size of 0 needs an empty proof and
     * the empty tree's root. Returns false for any other proof of the wrong length or with an element that is not a
     * 32-byte hash.
     */
    public static boolean verifyConsistency(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot,
            List<byte[]> proof) {
        if (oldSize < 0 || oldSize > newSize || !isHash(oldRoot) || !isHash(newRoot) || !allHashes(proof)) {
            return false;
        }
        if (oldSize == newSize) {
            return proof.isEmpty() && MessageDigest.isEqual(oldRoot, newRoot);
        }
        if (oldSize == 0) {
            return proof.isEmpty() && MessageDigest.isEqual(oldRoot, emptyRoot());
        }
        if (proof.isEmpty()) {
            return false;
        }
        List<byte[]> path = new ArrayList<>(proof.size() + 1);
        if (Long.bitCount(oldSize) == 1) {
            path.add(oldRoot);
        }
        path.addAll(proof);

        long fn = oldSize - 1;
        long sn = newSize - 1;
        while ((fn & 1) == 1) {
            fn >>>= 1;
            sn >>>= 1;
        }
        byte[] fr = path.get(0);
        byte[] sr = path.get(0);
        for (byte[] c : path.subList(1, path.size())) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = nodeHash(c, fr);
                sr = nodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                sr = nodeHash(sr, c);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        return MessageDigest.isEqual(fr, oldRoot) && MessageDigest.isEqual(sr, newRoot) && sn == 0;
    }

    /**
     * Returns the leaf ranges whose subtree hashes form the inclusion proof of leaf {@code index} in a tree of
     * {@code size} leaves, in proof order. The ranges are disjoint, so a reader can hash them in one pass over
     * the leaves.
     */
    static List<Range> inclusionRanges(long index, long size) {
        List<Range> ranges = new ArrayList<>();
        addPath(index, 0, size, ranges);
        return ranges;
    }

    private static void addPath(long index, long start, long end, List<Range> ranges) {
        long n = end - start;
        if (n <= 1) {
            return;
        }
        long k = largestPowerOfTwoBelow(n);
        if (index < k) {
            addPath(index, start, start + k, ranges);
            ranges.add(new Range(start + k, end));
        } else {
            addPath(index - k, start + k, end, ranges);
            ranges.add(new Range(start, start + k));
        }
    }

    /**
     * Returns the leaf ranges whose subtree hashes form the consistency proof from {@code oldSize} to
     * {@code newSize}, in proof order; empty when {@code oldSize} is 0 or equals {@code newSize}. The ranges are
     * disjoint.
     */
    static List<Range> consistencyRanges(long oldSize, long newSize) {
        List<Range> ranges = new ArrayList<>();
        if (oldSize > 0 && oldSize < newSize) {
            addSubproof(oldSize, 0, newSize, true, ranges);
        }
        return ranges;
    }

    private static void addSubproof(long m, long start, long end, boolean wholeOldTree, List<Range> ranges) {
        long n = end - start;
        if (m == n) {
            if (!wholeOldTree) {
                ranges.add(new Range(start, end));
            }
            return;
        }
        long k = largestPowerOfTwoBelow(n);
        if (m <= k) {
            addSubproof(m, start, start + k, wholeOldTree, ranges);
            ranges.add(new Range(start + k, end));
        } else {
            addSubproof(m - k, start + k, end, false, ranges);
            ranges.add(new Range(start, start + k));
        }
    }

    private static List<byte[]> hashRanges(List<byte[]> leafHashes, List<Range> ranges) {
        List<byte[]> hashes = new ArrayList<>(ranges.size());
        for (Range range : ranges) {
            Builder builder = new Builder();
            for (long i = range.start(); i < range.end(); i++) {
                builder.addLeafHash(leafHashes.get(Math.toIntExact(i)));
            }
            hashes.add(builder.root());
        }
        return hashes;
    }

    /** Returns the largest power of two strictly smaller than {@code n}, for {@code n >= 2}. */
    static long largestPowerOfTwoBelow(long n) {
        return Long.highestOneBit(n - 1);
    }

    private static boolean isHash(byte[] hash) {
        return hash != null && hash.length == HASH_BYTES;
    }

    private static boolean allHashes(List<byte[]> proof) {
        if (proof == null) {
            return false;
        }
        for (byte[] element : proof) {
            if (!isHash(element)) {
                return false;
            }
        }
        return true;
    }

    /** Leaves {@code [start, end)} of the tree. */
    record Range(long start, long end) {

        boolean contains(long index) {
            return index >= start && index < end;
        }
    }

    /**
     * Incremental tree head over leaf hashes added in order. It keeps one hash per full subtree of the compact
     * range {@code [0, size)}, that is one per bit set in {@code size}, so its state is O(log n).
     */
    public static final class Builder {

        private final List<byte[]> subtrees = new ArrayList<>();
        private long size;

        /** Creates the builder of the empty tree. */
        public Builder() {
        }

        /**
         * Appends the leaf with hash {@code leafHash} and merges full subtrees of equal size.
         *
         * @throws IllegalArgumentException when {@code leafHash} is not 32 bytes long
         */
        public void addLeafHash(byte[] leafHash) {
            Objects.requireNonNull(leafHash, "leafHash");
            if (leafHash.length != HASH_BYTES) {
                throw new IllegalArgumentException("leaf hash is " + leafHash.length + " bytes long (expected: "
                        + HASH_BYTES + ")");
            }
            byte[] hash = leafHash.clone();
            for (long s = size; (s & 1) == 1; s >>>= 1) {
                hash = nodeHash(subtrees.remove(subtrees.size() - 1), hash);
            }
            subtrees.add(hash);
            size++;
        }

        /**
         * Returns the hash of leaves {@code [start, end)} from the full subtrees kept, for a range that is one of
         * them or the union of the last few, as the left-hand nodes of a consistency proof from this size are.
         *
         * @throws IllegalArgumentException for any other range
         */
        byte[] rangeHash(long start, long end) {
            List<byte[]> hashes = new ArrayList<>();
            long covered = 0;
            long blockStart = 0;
            long remaining = size;
            for (byte[] subtree : subtrees) {
                long blockSize = Long.highestOneBit(remaining);
                remaining -= blockSize;
                if (blockStart >= start && blockStart + blockSize <= end) {
                    hashes.add(subtree);
                    covered += blockSize;
                }
                blockStart += blockSize;
            }
            if (hashes.isEmpty() || covered != end - start) {
                throw new IllegalArgumentException("leaves [" + start + ", " + end + ") are not whole subtrees of a"
                        + " tree of " + size + " leaves");
            }
            byte[] hash = hashes.get(hashes.size() - 1);
            for (int i = hashes.size() - 2; i >= 0; i--) {
                hash = nodeHash(hashes.get(i), hash);
            }
            return hash;
        }

        /** Returns the number of leaves added. */
        public long size() {
            return size;
        }

        /** Returns {@code MTH} of all leaves added so far; the empty tree's head when none were. */
        public byte[] root() {
            if (subtrees.isEmpty()) {
                return emptyRoot();
            }
            byte[] root = subtrees.get(subtrees.size() - 1);
            for (int i = subtrees.size() - 2; i >= 0; i--) {
                root = nodeHash(subtrees.get(i), root);
            }
            return root.clone();
        }
    }
}
