package dev.agentgateway.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoWorkDirectoryTest {

    @TempDir
    Path temp;

    @Test
    void prepareCreatesDirectoryAndMarker() throws IOException {
        Path root = temp.resolve("a/demo");

        DemoWorkDirectory directory = DemoWorkDirectory.prepare(root);

        assertThat(directory.root()).isEqualTo(root.toAbsolutePath());
        assertThat(root.resolve(DemoWorkDirectory.MARKER_FILE)).isRegularFile();
        assertThat(directory.auditDirectory()).isEqualTo(root.toAbsolutePath().resolve("audit"));
    }

    @Test
    void prepareCreatesOwnerOnlyDirectories() throws IOException {
        assumeTrue(temp.getFileSystem().supportedFileAttributeViews().contains("posix"), "needs POSIX permissions");
        Path root = temp.resolve("data/demo");

        DemoWorkDirectory.prepare(root);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(temp.resolve("data"))))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
    }

    @Test
    void prepareClearsOnlyAuditDirectory() throws IOException {
        DemoWorkDirectory.prepare(temp);
        Path audit = temp.resolve("audit");
        Files.createDirectories(audit.resolve("segments"));
        Files.writeString(audit.resolve("segments/000001.log"), "record\n");
        Files.writeString(temp.resolve("signing-key.jwk"), "{}");
        Files.writeString(temp.resolve("notes.txt"), "kept");

        DemoWorkDirectory.prepare(temp);

        assertThat(audit).doesNotExist();
        assertThat(temp.resolve("signing-key.jwk")).hasContent("{}");
        assertThat(temp.resolve("notes.txt")).hasContent("kept");
    }

    @Test
    void prepareDeletesLinksWithoutFollowing() throws IOException {
        DemoWorkDirectory.prepare(temp.resolve("demo"));
        Path outside = Files.createDirectories(temp.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "kept");
        Path audit = Files.createDirectories(temp.resolve("demo/audit"));
        Files.createSymbolicLink(audit.resolve("link"), outside);

        DemoWorkDirectory.prepare(temp.resolve("demo"));

        assertThat(audit).doesNotExist();
        assertThat(outside.resolve("keep.txt")).hasContent("kept");
    }

    @Test
    void prepareRejectsForeignDirectory() throws IOException {
        Files.createDirectories(temp.resolve("audit"));
        Files.writeString(temp.resolve("audit/000001.log"), "someone else's log\n");

        assertThatThrownBy(() -> DemoWorkDirectory.prepare(temp))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(temp.toString())
                .hasMessageContaining("--work-dir");
        assertThat(temp.resolve("audit/000001.log")).hasContent("someone else's log");
    }
}
