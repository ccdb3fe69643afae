package dev.agentgateway.gateway.demo;

import dev.agentgateway.gateway.sample.SampleIdentityProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * The demo's working directory: its configuration file, the gateway's signing key and a fresh audit log per run.
 * A marker file shows that the demo created the directory, so a run never clears an audit log it does not own.
 */
final class DemoWorkDirectory {

    static final String MARKER_FILE = ".agent-gateway-demo";
    static final String CONFIG_FILE = "gateway.yaml";
    static final String AUDIT_DIRECTORY = "audit";
    static final String SIGNING_KEY_FILE = "signing-key.jwk";

    private final Path root;

    private DemoWorkDirectory(Path root) {
        this.root = root;
    }

    /**
     * Creates {@code root} when absent and deletes the audit log of the previous run, and nothing else. New
     * directories are owner-only (0700) on POSIX file systems, because they will hold the signing key and the log.
     *
     * @throws IOException when {@code root} contains files but no demo marker, or cannot be written
     */
    static DemoWorkDirectory prepare(Path root) throws IOException {
        Path directory = root.toAbsolutePath().normalize();
        if (directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(directory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(directory);
        }
        Path marker = directory.resolve(MARKER_FILE);
        if (!Files.exists(marker) && !isEmpty(directory)) {
            throw new IOException("work directory " + directory + " is not empty and was not created by the demo"
                    + " (no " + MARKER_FILE + " file); choose a new or empty directory with --work-dir");
        }
        Files.writeString(marker, "Working directory of `agent-gateway demo`; its audit/ is cleared on each run.\n",
                StandardCharsets.UTF_8);
        deleteRecursively(directory.resolve(AUDIT_DIRECTORY));
        return new DemoWorkDirectory(directory);
    }

    Path root() {
        return root;
    }

    Path auditDirectory() {
        return root.resolve(AUDIT_DIRECTORY);
    }

    /** Writes the gateway configuration for this run and returns its path. */
    Path writeConfig(SampleIdentityProvider idp, String backendUrl) throws IOException {
        Path file = root.resolve(CONFIG_FILE);
        Files.writeString(file, DemoConfig.yaml(idp, backendUrl), StandardCharsets.UTF_8);
        return file;
    }

    private static boolean isEmpty(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.findAny().isEmpty();
        }
    }

    /** Deletes {@code path} and everything below it; symbolic links are deleted, never followed. */
    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                Files.delete(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
