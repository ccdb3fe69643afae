package dev.agentgateway.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Changes one line of {@code checkpoints.log} the way someone holding the audit key could: the changed line and
 * every line after it are signed again with a whole chain of {@code prev} hashes, so only the change itself is left
 * for the verifier to find.
 */
final class CheckpointEdits {

    /** Makes the replacement of one checkpoint line, signed over {@code previous}. */
    @FunctionalInterface
    interface Replacement {
        Checkpoint sign(Checkpoint original, byte[] previous);
    }

    private CheckpointEdits() {
    }

    /**
     * Replaces line {@code line} (from 1) of {@code file} by {@code replacement} and signs the lines after it again
     * with {@code key}, unchanged apart from {@code prev} and {@code sig}.
     */
    static void replace(Path file, int line, AuditSigningKey key, Replacement replacement) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        byte[] previous = line == 1 ? Checkpoint.firstPrevious() : hash(lines.get(line - 2));
        for (int i = line - 1; i < lines.size(); i++) {
            Checkpoint original = Checkpoint.parse(lines.get(i));
            Checkpoint signed = i == line - 1 ? replacement.sign(original, previous)
                    : Checkpoint.sign(key, original.size(), original.root(), original.time(), previous);
            lines.set(i, signed.toLine());
            previous = hash(lines.get(i));
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private static byte[] hash(String line) {
        return Checkpoint.lineHash(line.getBytes(StandardCharsets.UTF_8));
    }
}
