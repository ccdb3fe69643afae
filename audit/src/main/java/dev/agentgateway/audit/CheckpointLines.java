package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.LineReader;
import dev.agentgateway.audit.internal.RegularFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Checkpoints read from {@code checkpoints.log}.
 *
 * @param checkpoints the checkpoints accepted before the first bad line
 * @param fileExists whether the file exists
 * @param badLine line of the first bad checkpoint, or 0
 * @param problem what is wrong with it, or {@code null}
 * @param incompleteTail length of an incomplete last line, which is not checked, or -1 when the file ends with a
 *     whole line
 */
record CheckpointLines(List<Checkpoint> checkpoints, boolean fileExists, long badLine, String problem,
        long incompleteTail) {

    /** Maximum length of a checkpoint line, in bytes; checkpoints are about 250 bytes long. */
    static final int MAX_LINE_BYTES = 4096;

    /**
     * Reads the checkpoint lines, checking each one's form, signature, chain to the line before it and order. With
     * {@code keys} {@code null} the signatures are not checked.
     */
    static CheckpointLines read(Path file, List<AuditPublicKey> keys) throws IOException {
        List<Checkpoint> checkpoints = new ArrayList<>();
        if (!RegularFiles.check(file, "audit checkpoint file")) {
            return new CheckpointLines(checkpoints, false, 0, null, -1);
        }
        byte[] previousLine = Checkpoint.firstPrevious();
        try (LineReader reader = new LineReader(RegularFiles.newInputStream(file, "audit checkpoint file"),
                MAX_LINE_BYTES)) {
            for (LineReader.Line line = reader.next(); line != null; line = reader.next()) {
                if (!line.terminated()) {
                    // Only the last line can lack its newline: a checkpoint being written, or one a crash or a
                    // failed write cut short. The writer removes it before it writes the next one.
                    return new CheckpointLines(checkpoints, true, 0, null, line.length());
                }
                String problem = checkpointProblem(line, keys, checkpoints, previousLine);
                if (problem != null) {
                    return new CheckpointLines(checkpoints, true, line.number(), problem, -1);
                }
                previousLine = Checkpoint.lineHash(line.bytes());
            }
        }
        return new CheckpointLines(checkpoints, true, 0, null, -1);
    }

    private static String checkpointProblem(LineReader.Line line, List<AuditPublicKey> keys,
            List<Checkpoint> accepted, byte[] previousLine) {
        if (line.bytes() == null) {
            return "line is " + line.length() + " bytes long (maximum: " + MAX_LINE_BYTES + ")";
        }
        Checkpoint checkpoint;
        try {
            checkpoint = Checkpoint.parse(utf8(line.bytes()));
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        String signatureProblem = keys == null ? null : signatureProblem(checkpoint, keys);
        if (signatureProblem != null) {
            return signatureProblem;
        }
        if (!Arrays.equals(checkpoint.previous(), previousLine)) {
            return chainProblem(checkpoint, line.number(), previousLine);
        }
        if (!accepted.isEmpty()) {
            Checkpoint previous = accepted.get(accepted.size() - 1);
            if (checkpoint.size() <= previous.size()) {
                return "size " + checkpoint.size() + " (expected: more than " + previous.size()
                        + ", the size of the checkpoint before it)";
            }
            if (checkpoint.time().isBefore(previous.time())) {
                return "time " + checkpoint.time() + " (expected: not before " + previous.time()
                        + ", the time of the checkpoint before it)";
            }
        }
        accepted.add(checkpoint);
        return null;
    }

    private static String chainProblem(Checkpoint checkpoint, long lineNumber, byte[] previousLine) {
        String found = "prev " + HexFormat.of().formatHex(checkpoint.previous());
        if (lineNumber == 1) {
            return found + " (expected: 64 zeros, as in the first checkpoint): the checkpoint lines before it were"
                    + " removed";
        }
        return found + " (expected: " + HexFormat.of().formatHex(previousLine) + ", the SHA-256 of line "
                + (lineNumber - 1) + "): a checkpoint line was removed before it, line " + (lineNumber - 1)
                + " was replaced, or the lines were reordered";
    }

    private static String signatureProblem(Checkpoint checkpoint, List<AuditPublicKey> keys) {
        for (AuditPublicKey key : keys) {
            if (key.keyId().equals(checkpoint.keyId())) {
                return checkpoint.verify(key) ? null
                        : "signature does not verify with key " + key.keyId() + " (" + key.algorithm() + ")";
            }
        }
        String given = keys.isEmpty() ? "none"
                : keys.stream().map(AuditPublicKey::keyId).collect(Collectors.joining(", "));
        return "signed with key " + checkpoint.keyId() + ", which is not one of the given keys (given: " + given
                + ")";
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("checkpoint rejected: not valid UTF-8", e);
        }
    }
}
