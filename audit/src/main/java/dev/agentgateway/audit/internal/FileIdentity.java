package dev.agentgateway.audit.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * Identity of a file the log keeps open: the file key (device and inode on POSIX systems) read when it was opened.
 * A file deleted, moved or replaced while its channel stays open keeps taking writes that no one will read, so
 * the writer compares its path's current file key with this one before it relies on the file.
 *
 * @param path the path the file was opened by
 * @param key the file key at open, or {@code null} when the file system provides none
 */
public record FileIdentity(Path path, Object key) {

    /**
     * Reads the identity of the file at {@code path} now, without following a symbolic link.
     *
     * @throws IOException when the file cannot be examined
     */
    public static FileIdentity of(Path path) throws IOException {
        return new FileIdentity(path, fileKey(path));
    }

    /**
     * Checks that {@code path} still names the file it named when this identity was read. Costs one {@code stat}.
     * NOTE: file systems without file keys (Windows NTFS through this API) cannot be checked and always pass.
     *
     * @param description what the file is, for the message, e.g. "audit segment"
     * @throws IOException naming the file when it was removed, moved away or replaced by another file
     */
    public void check(String description) throws IOException {
        if (key == null) {
            return;
        }
        Object found;
        try {
            found = fileKey(path);
        } catch (NoSuchFileException e) {
            throw replaced(description, e);
        }
        if (!Objects.equals(key, found)) {
            throw replaced(description, null);
        }
    }

    private IOException replaced(String description, Exception cause) {
        return new IOException(description + " " + path + " was removed or replaced while the log was open; restore"
                + " it or restart the gateway", cause);
    }

    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }
}
