package dev.agentgateway.audit.internal.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExportStateTest {

    @TempDir
    Path directory;

    @Test
    void writeThenRead() throws Exception {
        Path file = directory.resolve("kafka-export.state");

        new ExportState("audit", 42).write(file);

        assertThat(Files.readString(file)).isEqualTo("{\"acknowledged_sequence\":42,\"topic\":\"audit\"}\n");
        assertThat(ExportState.read(file)).isEqualTo(new ExportState("audit", 42));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(directory.resolve("kafka-export.state.tmp")).doesNotExist();
    }

    @Test
    void writeReplacesOlderState() throws Exception {
        Path file = directory.resolve("kafka-export.state");
        new ExportState("audit", 1).write(file);

        new ExportState("audit", 2).write(file);

        assertThat(ExportState.read(file)).isEqualTo(new ExportState("audit", 2));
    }

    @Test
    void writeIgnoresLeftoverTemporaryFile() throws Exception {
        Path file = directory.resolve("kafka-export.state");
        Files.writeString(directory.resolve("kafka-export.state.tmp"), "half a line");

        new ExportState("audit", 7).write(file);

        assertThat(ExportState.read(file)).isEqualTo(new ExportState("audit", 7));
    }

    @Test
    void readMissingFile() throws Exception {
        assertThat(ExportState.read(directory.resolve("absent.state"))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "garbage",
        "{\"acknowledged_sequence\":42,\"topic\":\"audit\"",
        "{\"acknowledged_sequence\":42,\"topic\":\"audit\"} {}",
        "{\"acknowledged_sequence\":-1,\"topic\":\"audit\"}",
        "{\"acknowledged_sequence\":1.5,\"topic\":\"audit\"}",
        "{\"acknowledged_sequence\":\"42\",\"topic\":\"audit\"}",
        "{\"acknowledged_sequence\":99999999999999999999,\"topic\":\"audit\"}",
        "{\"acknowledged_sequence\":42,\"topic\":7}",
        "{\"acknowledged_sequence\":42}",
        "{\"acknowledged_sequence\":42,\"topic\":\"audit\",\"extra\":1}",
        "[42,\"audit\"]",
    })
    void readRejectsInvalidContent(String content) throws IOException {
        Path file = directory.resolve("kafka-export.state");
        Files.writeString(file, content);

        assertThatThrownBy(() -> ExportState.read(file)).isInstanceOf(ExportState.InvalidContentException.class);
    }

    @Test
    void readRejectsOversizedFile() throws IOException {
        Path file = directory.resolve("kafka-export.state");
        Files.write(file, " ".repeat(ExportState.MAX_FILE_BYTES + 1).getBytes(StandardCharsets.US_ASCII));

        assertThatThrownBy(() -> ExportState.read(file))
                .isInstanceOf(ExportState.InvalidContentException.class)
                .hasMessageContaining("4097 bytes");
    }

    @Test
    void readFailsOnDirectory() throws IOException {
        Path file = Files.createDirectory(directory.resolve("kafka-export.state"));

        assertThatThrownBy(() -> ExportState.read(file))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(ExportState.InvalidContentException.class);
    }

    @Test
    void readRejectsFifo() throws Exception {
        Path file = directory.resolve("kafka-export.state");
        Process mkfifo = new ProcessBuilder("mkfifo", file.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).as("mkfifo exit code").isZero();

        // Opening the FIFO would block until a writer appears; the check must fail at once instead.
        assertThatThrownBy(() -> ExportState.read(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a regular file");
    }

    @Test
    void readRejectsSymbolicLink() throws IOException {
        Path target = directory.resolve("elsewhere.state");
        new ExportState("audit", 3).write(target);
        Path file = Files.createSymbolicLink(directory.resolve("kafka-export.state"), target);

        assertThatThrownBy(() -> ExportState.read(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a regular file");
    }
}
