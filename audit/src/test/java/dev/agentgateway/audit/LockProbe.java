package dev.agentgateway.audit;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Run in a separate JVM by {@link AuditDirectoryLockTest}: tries to take the lock of the audit directory given as
 * the argument, and exits 0 when it got it and 3 when another process holds it.
 */
public final class LockProbe {

    static final int LOCKED_ELSEWHERE = 3;

    private LockProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path lockFile = Path.of(args[0]).resolve(FileAuditLog.LOCK_FILE_NAME);
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            System.exit(lock == null ? LOCKED_ELSEWHERE : 0);
        }
    }
}
