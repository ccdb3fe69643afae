package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.Segments;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentgateway.audit.internal.LineReader;
import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.audit.internal.RecordFormatException;
import dev.agentgateway.audit.internal.RegularFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Inclusion proofs of single records against the latest signed checkpoint, which a third party can check with
 * the audit public key alone.
 *
 * <p>A proof is the canonical JSON object
 * {@code {"checkpoint":"<checkpoint line>","path":["<hex>",…],"record":"<record line>","seq":N,"tree_size":M}}:
 * the RFC 9162 §2.1.3 inclusion path of leaf {@code seq - 1} in the tree of the checkpoint's {@code size}
 * records.
 */
public final class AuditProofs {

    private static final List<String> MEMBERS = List.of("checkpoint", "path", "record", "seq", "tree_size");
    private static final Pattern HEX_HASH = Pattern.compile("[0-9a-f]{64}");
    private static final HexFormat HEX = HexFormat.of();

    private AuditProofs() {
    }

    /**
     * Outcome of {@link #verifyProof}.
     *
     * @param valid whether the proof checked out
     * @param sequence the record's {@code seq}, or 0 when the proof could not be read
     * @param treeSize the checkpoint's size, or 0 when the proof could not be read
     * @param message one line: what the proof shows when valid, otherwise what failed
     */
    public record ProofVerification(boolean valid, long sequence, long treeSize, String message) {

        static ProofVerification failed(long sequence, long treeSize, String message) {
            return new ProofVerification(false, sequence, treeSize, message);
        }
    }

    /**
     * Builds the inclusion proof of record {@code sequence} against the latest checkpoint in {@code directory}.
     * It reads the records up to the checkpoint's size once, keeping O(log n) hashes, and checks that they hash
     * to the checkpoint's root. The checkpoint's signature is not checked here: {@link #verifyProof} does that
     * with the public key.
     *
     * @return the proof as one line of canonical JSON, without a newline
     * @throws IllegalArgumentException when {@code sequence} is below 1, beyond the last record, or not yet covered
     *     by the latest checkpoint
     * @throws IllegalStateException when the log has no valid checkpoint, or its records do not match it
     * @throws NoSuchFileException when {@code directory} does not exist or contains no audit log
     * @throws IOException when a file cannot be read
     */
    public static String prove(Path directory, long sequence) throws IOException {
        LogFiles.requireDirectory(directory);
        if (sequence < 1) {
            throw new IllegalArgumentException("seq rejected: " + sequence + " (expected: 1 or more)");
        }
        // Read the checkpoints before listing the segments, so a segment created in between is listed.
        CheckpointLines lines = CheckpointLines.read(directory.resolve(AuditVerifier.CHECKPOINT_FILE_NAME), null);
        LogFiles files = LogFiles.list(directory);
        if (!AuditVerifier.containsLog(files)) {
            throw new NoSuchFileException(directory.toString(), null, "audit log not found");
        }
        if (lines.problem() != null) {
            throw new IllegalStateException(AuditVerifier.CHECKPOINT_FILE_NAME + " line " + lines.badLine() + ": "
                    + lines.problem() + " (run audit verify for details)");
        }
        long covered = lines.checkpoints().isEmpty() ? 0 : lines.checkpoints().get(lines.checkpoints().size() - 1)
                .size();
        if (sequence > covered) {
            long records = recordCount(files);
            if (sequence > records) {
                throw new IllegalArgumentException("record " + sequence + " does not exist: " + (records == 0
                        ? "the log has no records yet"
                        : "the log has " + records + (records == 1 ? " record" : " records") + " (expected: SEQ"
                                + " from 1 to " + records + ")"));
            }
        }
        if (lines.checkpoints().isEmpty()) {
            throw new IllegalArgumentException("record " + sequence + " is not covered by a checkpoint yet: the log"
                    + " has none (wait for the next checkpoint, then run audit prove again)");
        }
        Checkpoint latest = lines.checkpoints().get(lines.checkpoints().size() - 1);
        if (sequence > latest.size()) {
            throw new IllegalArgumentException("record " + sequence + " is not covered by the latest checkpoint,"
                    + " which covers records 1 to " + latest.size() + " (wait for the next checkpoint, then run"
                    + " audit prove again)");
        }
        ProvenRecord proven = collect(files, latest, sequence);
        List<String> path = new ArrayList<>();
        for (byte[] hash : proven.path()) {
            path.add(HEX.formatHex(hash));
        }
        return new CanonicalObject()
                .put("checkpoint", latest.toLine())
                .put("path", path)
                .put("record", proven.record())
                .put("seq", sequence)
                .put("tree_size", latest.size())
                .toString();
    }

    private record ProvenRecord(String record, List<byte[]> path) {
    }

    /**
     * Returns the number of records in the log: the last segment's first {@code seq} plus its whole lines, minus
     * one. Only the last segment is read, and its lines are counted without being checked.
     */
    private static long recordCount(LogFiles files) throws IOException {
        if (files.segments().isEmpty()) {
            return 0;
        }
        Segments.Segment last = files.segments().get(files.segments().size() - 1);
        long lines = 0;
        try (InputStream in = RegularFiles.newInputStream(last.path(), "audit segment");
                LineReader reader = new LineReader(in, RecordCodec.MAX_LINE_BYTES)) {
            for (LineReader.Line line = reader.next(); line != null && line.terminated(); line = reader.next()) {
                lines++;
            }
        }
        return last.firstSequence() - 1 + lines;
    }

    private static ProvenRecord collect(LogFiles files, Checkpoint checkpoint, long sequence) throws IOException {
        MerkleTree.Builder tree = new MerkleTree.Builder();
        StreamedProof proof = new StreamedProof(MerkleTree.inclusionRanges(sequence - 1, checkpoint.size()), tree);
        String record = null;
        for (Segments.Segment segment : files.segments()) {
            if (tree.size() == checkpoint.size()) {
                break;
            }
            try (InputStream in = RegularFiles.newInputStream(segment.path(), "audit segment");
                    LineReader reader = new LineReader(in, RecordCodec.MAX_LINE_BYTES)) {
                for (LineReader.Line line = reader.next(); line != null && tree.size() < checkpoint.size();
                        line = reader.next()) {
                    long expected = tree.size() + 1;
                    byte[] bytes = recordBytes(segment, line, expected);
                    byte[] leaf = MerkleTree.leafHash(bytes);
                    proof.add(tree.size(), leaf);
                    tree.addLeafHash(leaf);
                    if (expected == sequence) {
                        record = new String(bytes, StandardCharsets.UTF_8);
                    }
                }
            }
        }
        if (tree.size() < checkpoint.size()) {
            throw new IllegalStateException("the log contains " + tree.size() + " records, but the latest checkpoint"
                    + " covers " + checkpoint.size() + " (run audit verify for details)");
        }
        if (!java.security.MessageDigest.isEqual(tree.root(), checkpoint.root())) {
            throw new IllegalStateException("records 1 to " + checkpoint.size() + " do not hash to the latest"
                    + " checkpoint's root (run audit verify for details)");
        }
        return new ProvenRecord(record, proof.proof());
    }

    private static byte[] recordBytes(Segments.Segment segment, LineReader.Line line, long expected) {
        String where = segment.fileName() + " line " + line.number();
        if (line.bytes() == null || !line.terminated()) {
            throw new IllegalStateException(where + ": not a whole record (run audit verify for details)");
        }
        try {
            AuditRecord record = RecordCodec.decode(line.bytes(), line.hash());
            if (record.sequence() != expected) {
                throw new IllegalStateException(where + ": seq " + record.sequence() + " (expected: " + expected
                        + "; run audit verify for details)");
            }
        } catch (RecordFormatException e) {
            throw new IllegalStateException(where + ": " + e.getMessage() + " (run audit verify for details)", e);
        }
        return line.bytes();
    }

    /**
     * Checks a proof made by {@link #prove}: the checkpoint is canonical and signed by one of {@code keys}, its
     * size equals {@code tree_size}, the record is a canonical record whose {@code seq} is the proof's, and its
     * leaf hash leads along {@code path} to the checkpoint's root. Surrounding whitespace is ignored.
     */
    public static ProofVerification verifyProof(String proofJson, List<AuditPublicKey> keys) {
        Objects.requireNonNull(proofJson, "proofJson");
        Objects.requireNonNull(keys, "keys");
        ObjectNode proof;
        long sequence;
        long treeSize;
        try {
            proof = CanonicalObject.parse(proofJson.strip(), "proof");
            CanonicalObject.requireMembers(proof, MEMBERS, "proof");
            sequence = CanonicalObject.integer(proof, "seq", "proof");
            treeSize = CanonicalObject.integer(proof, "tree_size", "proof");
        } catch (IllegalArgumentException e) {
            return ProofVerification.failed(0, 0, e.getMessage());
        }
        try {
            return check(proof, sequence, treeSize, keys);
        } catch (IllegalArgumentException e) {
            return ProofVerification.failed(sequence, treeSize, e.getMessage());
        }
    }

    private static ProofVerification check(ObjectNode proof, long sequence, long treeSize,
            List<AuditPublicKey> keys) {
        Checkpoint checkpoint = Checkpoint.parse(CanonicalObject.text(proof, "checkpoint", "proof"));
        AuditPublicKey key = keys.stream().filter(k -> k.keyId().equals(checkpoint.keyId())).findFirst()
                .orElse(null);
        if (key == null) {
            return ProofVerification.failed(sequence, treeSize, "checkpoint signed with key " + checkpoint.keyId()
                    + ", which is not one of the given keys");
        }
        if (!checkpoint.verify(key)) {
            return ProofVerification.failed(sequence, treeSize, "checkpoint signature does not verify with key "
                    + key.keyId());
        }
        if (checkpoint.size() != treeSize) {
            return ProofVerification.failed(sequence, treeSize, "tree_size " + treeSize + " (expected: "
                    + checkpoint.size() + ", the checkpoint's size)");
        }
        if (sequence < 1 || sequence > treeSize) {
            return ProofVerification.failed(sequence, treeSize, "seq " + sequence + " (expected: 1 to "
                    + treeSize + ")");
        }
        byte[] record = CanonicalObject.text(proof, "record", "proof").getBytes(StandardCharsets.UTF_8);
        String recordProblem = recordProblem(record, sequence);
        if (recordProblem != null) {
            return ProofVerification.failed(sequence, treeSize, recordProblem);
        }
        List<byte[]> path = path(proof.get("path"));
        if (!MerkleTree.verifyInclusion(MerkleTree.leafHash(record), sequence - 1, treeSize, path,
                checkpoint.root())) {
            return ProofVerification.failed(sequence, treeSize, "inclusion path does not lead from record "
                    + sequence + " to the checkpoint's root " + checkpoint.rootHex());
        }
        return new ProofVerification(true, sequence, treeSize, "record " + sequence + " is included in the "
                + treeSize + " records covered by the checkpoint of " + checkpoint.time()
                + " signed with key " + key.keyId() + " (" + key.algorithm() + "), root " + checkpoint.rootHex());
    }

    private static String recordProblem(byte[] record, long sequence) {
        try {
            AuditRecord decoded = RecordCodec.decode(record, RecordCodec.sha256Hex(record, 0, record.length));
            if (decoded.sequence() != sequence) {
                return "record has seq " + decoded.sequence() + " (expected: " + sequence + ", the proof's seq)";
            }
            return null;
        } catch (RecordFormatException e) {
            return "record rejected: " + e.getMessage();
        }
    }

    private static List<byte[]> path(JsonNode node) {
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException("proof rejected: member \"path\" is not an array");
        }
        List<byte[]> path = new ArrayList<>();
        for (JsonNode element : node) {
            if (!element.isTextual() || !HEX_HASH.matcher(element.textValue()).matches()) {
                throw new IllegalArgumentException("proof rejected: path element "
                        + CanonicalObject.printable(element.toString()) + " (expected: 64 lowercase hex digits)");
            }
            path.add(HEX.parseHex(element.textValue()));
        }
        return path;
    }
}
