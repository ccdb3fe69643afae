package dev.agentgateway.token.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * Identity of one version of a file, compared to notice a change without reading the file: replacing the file by
 * a move changes its file key (the inode on POSIX systems), editing it in place changes its time or size.
 */
record FileVersion(FileTime modified, long size, Object fileKey) {

    /** Version of a file that cannot be read, so that a missing file is reported once and not on every check. */
    static final FileVersion UNREADABLE = new FileVersion(FileTime.fromMillis(0), -1, null);

    static FileVersion of(Path path) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
        return new FileVersion(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
    }

    static FileVersion ofOrUnreadable(Path path) {
        try {
            return of(path);
        } catch (IOException e) {
            return UNREADABLE;
        }
    }
}
