package dev.agentgateway.audit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;

/**
 * Opens the files inside an audit directory only when they are regular files. Opening a FIFO blocks until another
 * process opens its other end, and a symbolic link sends records or checkpoints to a file outside the audit
 * directory, so both are rejected, as are sockets, devices and directories. The audit directory itself may be
 * reached through a symbolic link.
 *
 * <p>NOTE: the type is checked with one {@code lstat} before the open. A FIFO put in place between the two still
 * blocks the open, but a symbolic link does not get through, because the open itself does not follow links.
 */
public final class RegularFiles {

    private static final int FILE_TYPE_MASK = 0170000;
    private static final int FIFO = 0010000;
    private static final int CHARACTER_DEVICE = 0020000;
    private static final int BLOCK_DEVICE = 0060000;
    private static final int SOCKET = 0140000;

    private RegularFiles() {
    }

    /**
     * Checks that {@code file}, when it exists, is a regular file, without following a symbolic link.
     *
     * @param description what the file is, for the message, e.g. "audit segment"
     * @return whether the file exists
     * @throws IOException naming the file and its type when it is not a regular file
     */
    public static boolean check(Path file, String description) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return false;
        }
        if (attributes.isRegularFile()) {
            return true;
        }
        throw new IOException(description + " " + file + " is a " + typeOf(file, attributes) + ", not a regular"
                + " file. Audit files must be regular files in the audit directory, so remove it or put the regular"
                + " file in its place");
    }

    /**
     * Opens {@code file} with {@code options} after {@link #check}, and without following a symbolic link.
     *
     * @throws IOException when the file is not a regular file or cannot be opened
     */
    public static FileChannel open(Path file, String description, Set<? extends OpenOption> options,
            FileAttribute<?>... attributes) throws IOException {
        check(file, description);
        Set<OpenOption> noFollow = new HashSet<>(options);
        noFollow.add(LinkOption.NOFOLLOW_LINKS);
        return FileChannel.open(file, noFollow, attributes);
    }

    /**
     * Opens {@code file} for reading after {@link #check}, and without following a symbolic link.
     *
     * @throws NoSuchFileException when the file does not exist
     * @throws IOException when the file is not a regular file or cannot be opened
     */
    public static InputStream newInputStream(Path file, String description) throws IOException {
        check(file, description);
        return Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    private static String typeOf(Path file, BasicFileAttributes attributes) {
        if (attributes.isSymbolicLink()) {
            return "symbolic link";
        }
        if (attributes.isDirectory()) {
            return "directory";
        }
        Object mode;
        try {
            mode = Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "special file";
        }
        return switch ((Integer) mode & FILE_TYPE_MASK) {
            case FIFO -> "FIFO";
            case SOCKET -> "socket";
            case CHARACTER_DEVICE -> "character device";
            case BLOCK_DEVICE -> "block device";
            default -> "special file";
        };
    }

    /**
     * Returns {@code permissions} as a creation attribute when {@code path}'s file system supports POSIX
     * permissions, so they apply from the moment of creation. Returns no attribute otherwise.
     */
    public static FileAttribute<?>[] ownerOnly(Path path, Set<PosixFilePermission> permissions) {
        if (!path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
    }
}
