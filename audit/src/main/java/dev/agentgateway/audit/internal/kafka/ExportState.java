package dev.agentgateway.audit.internal.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentgateway.audit.internal.RegularFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;

/**
 * Progress of a Kafka export: the topic and the highest sequence number up to which every record was acknowledged
 * by the brokers. Stored as one JSON line, for example {@code {"acknowledged_sequence":42,"topic":"audit"}}.
 *
 * @param topic topic the acknowledged records were published to
 * @param acknowledgedSequence every record with a sequence number up to this one was acknowledged; 0 for none
 */
public record ExportState(String topic, long acknowledgedSequence) {

    /** Bound on the state file's size; a larger file is not a state file the export wrote. */
    static final int MAX_FILE_BYTES = 4096;

    private static final String DESCRIPTION = "Kafka export state file";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public ExportState {
        Objects.requireNonNull(topic, "topic");
        if (acknowledgedSequence < 0) {
            throw new IllegalArgumentException(
                    "acknowledgedSequence: " + acknowledgedSequence + " (expected: at least 0)");
        }
    }

    /**
     * Reads the state stored in {@code file}.
     *
     * @return the state, or {@code null} when the file does not exist
     * @throws InvalidContentException when the file exists but does not hold a state this class wrote
     * @throws IOException when the file exists but is not a regular file (a symbolic link included) or cannot be
     *     read
     */
    public static ExportState read(Path file) throws IOException, InvalidContentException {
        if (!RegularFiles.check(file, DESCRIPTION)) {
            return null;
        }
        byte[] content;
        try (FileChannel channel = RegularFiles.open(file, DESCRIPTION, Set.of(StandardOpenOption.READ))) {
            if (channel.size() > MAX_FILE_BYTES) {
                throw new InvalidContentException(
                        channel.size() + " bytes (expected: at most " + MAX_FILE_BYTES + ")");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) channel.size());
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // Read until the buffer is full or the file ends.
            }
            content = buffer.array();
        }
        return parse(content);
    }

    static ExportState parse(byte[] content) throws InvalidContentException {
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (JsonProcessingException e) {
            throw new InvalidContentException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidContentException("not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject() || root.size() != 2) {
            throw new InvalidContentException(
                    "expected an object with exactly the members acknowledged_sequence and topic");
        }
        JsonNode sequence = root.get("acknowledged_sequence");
        JsonNode topic = root.get("topic");
        if (sequence == null || !sequence.isIntegralNumber() || !sequence.canConvertToLong()
                || sequence.longValue() < 0) {
            throw new InvalidContentException(
                    "acknowledged_sequence: " + sequence + " (expected: a whole number, at least 0)");
        }
        if (topic == null || !topic.isTextual()) {
            throw new InvalidContentException("topic: " + topic + " (expected: a string)");
        }
        return new ExportState(topic.textValue(), sequence.longValue());
    }

    /** Returns the line stored in the state file, with its {@code \n}. */
    byte[] toLine() {
        ObjectNode node = JSON.createObjectNode();
        node.put("acknowledged_sequence", acknowledgedSequence);
        node.put("topic", topic);
        try {
            return (JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the Kafka export state", e);
        }
    }

    /**
     * Replaces {@code file} with this state: writes a temporary file beside it with owner-only permissions, forces
     * it to disk, renames it over {@code file} and forces the directory, so a crash leaves either the old state or
     * the new one.
     */
    public void write(Path file) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Path temporary = directory.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        try (FileChannel channel = FileChannel.open(temporary,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer buffer = ByteBuffer.wrap(toLine());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel directoryChannel = FileChannel.open(directory, StandardOpenOption.READ)) {
            directoryChannel.force(true);
        }
    }

    /** A state file whose content is not a state this class wrote; the message says what is wrong. */
    public static final class InvalidContentException extends Exception {

        InvalidContentException(String message) {
            super(message);
        }
    }
}
