package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.ChainScanner;
import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.audit.internal.TornTail;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AuditLog} writing JSON lines to the file {@value #FILE_NAME} in one directory.
 *
 * <p>Each {@link #append} writes one whole line through a channel opened for append and forces it to disk before
 * returning. Appends are serialized by a lock so {@code seq} and {@code prev} stay consecutive. A failed append
 * leaves the chain where it was, and the next append first cuts whatever part of the failed line reached the
 * file. The file is locked while open, so a second process cannot append to the same log.
 *
 * <p>Each record is one JSON object on one {@code \n}-terminated line, with its members in this order:
 * {@code seq} (1, 2, …), {@code id} (128 random bits, base64url), {@code time} (RFC 3339 UTC with milliseconds,
 * from the clock), {@code type}, {@code request_id}, then each non-null optional member of {@link AuditEvent}
 * ({@code principal}, {@code actor}, {@code tool}, {@code method}, {@code path}, {@code decision}, {@code rule},
 * {@code reason}, {@code missing_authority}, {@code token_jti}, {@code proof_jti}, {@code jkt}, {@code status},
 * {@code duration_ms}, {@code response_bytes}, {@code decision_record}), and last {@code prev}, the lowercase hex
 * SHA-256 of the previous line without its newline (64 zeros for the first record). Strings are written by
 * Jackson with every character outside printable ASCII as a <code>&#92;uXXXX</code> escape. A line is therefore
 * pure printable ASCII, and no value can add a line break (U+2028 and U+2029 included), a control character or
 * a bidirectional override to the file. {@link AuditRecords} reads the records back and {@link AuditVerifier}
 * checks the chain.
 */
public final class FileAuditLog implements AuditLog {

    /** Name of the log file inside the audit directory. */
    public static final String FILE_NAME = "audit.log";
    /**
     * Name of the file whose lock marks the directory as in use. It is a file of its own because a POSIX record
     * lock on the log itself is dropped as soon as this process closes any other descriptor of the log, as the
     * reads at open and every verification do.
     */
    public static final String LOCK_FILE_NAME = "audit.lock";

    private static final Logger LOG = LoggerFactory.getLogger(FileAuditLog.class);

    /**
     * Bytes {@link #checkWritable} writes past the last record and cuts off again: spaces and no line end, so a
     * crash before the cut leaves an incomplete last line, which {@link #open} removes. 4 KiB, so that on file
     * systems with blocks of at most 4 KiB the write needs a new block, as a growing log eventually does.
     */
    private static final byte[] PROBE = " ".repeat(4096).getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<StandardOpenOption> APPEND_OPTIONS =
            EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);

    /** Opens the channel that appends to the log file; tests substitute a channel that fails. */
    @FunctionalInterface
    interface ChannelOpener {
        FileChannel open(Path file) throws IOException;
    }

    private final Path file;
    private final Clock clock;
    private final ChannelOpener opener;
    private final Supplier<String> idGenerator;
    private final ReentrantLock lock = new ReentrantLock();
    private final FileChannel directoryLock;

    // Guarded by lock.
    private FileChannel channel;
    private long lastSequence;
    private String lastHash;
    private long acknowledgedSize;
    private boolean repairNeeded;
    private boolean closed;

    private FileAuditLog(Path file, Clock clock, ChannelOpener opener, Supplier<String> idGenerator,
            FileChannel directoryLock, FileChannel channel, long lastSequence, String lastHash) throws IOException {
        this.file = file;
        this.directoryLock = directoryLock;
        this.clock = clock;
        this.opener = opener;
        this.idGenerator = idGenerator;
        this.channel = channel;
        this.lastSequence = lastSequence;
        this.lastHash = lastHash;
        this.acknowledgedSize = channel.size();
    }

    /**
     * Opens the log in {@code directory}, creating both when absent, and continues the chain of the last whole
     * record found there.
     *
     * <p>An incomplete last line, left by a crash during a write, is cut off and reported at warn level. An
     * existing log that is not a valid chain is still opened, so the gateway keeps recording. The problem is
     * logged at error level once, and new records chain to the hash of the last line.
     *
     * @throws IOException when the directory cannot be created or written, the existing log cannot be read, or
     *     another process has the log open
     */
    public static FileAuditLog open(Path directory, Clock clock) throws IOException {
        return open(directory, clock, FileAuditLog::openAppendChannel, FileAuditLog::newRecordId);
    }

    static FileAuditLog open(Path directory, Clock clock, ChannelOpener opener, Supplier<String> idGenerator)
            throws IOException {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(clock, "clock");
        createWritableDirectory(directory);
        FileChannel directoryLock = lockDirectory(directory);
        Path file = directory.resolve(FILE_NAME);
        FileChannel channel;
        try {
            channel = opener.open(file);
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(directoryLock, e);
            throw e;
        }
        try {
            TornTail.truncate(channel, file);
            ChainScanner.Result scan =
                    ChainScanner.scan(Files.newInputStream(file), ChainScanner.Mode.READ_TO_END);
            if (scan.problem() != null) {
                LOG.error("Audit log {} is not a valid hash chain: line {} (seq {}): {}. New records chain to"
                                + " line {}; run audit verify to inspect the log",
                        file, scan.problem().line(), scan.problem().expectedSequence(), scan.problem().text(),
                        scan.lineCount());
            }
            long lastSequence = scan.lastLineSequence() > 0 ? scan.lastLineSequence() : scan.lineCount();
            LOG.debug("Opened audit log {} after record {}", file, lastSequence);
            return new FileAuditLog(file, clock, opener, idGenerator, directoryLock, channel, lastSequence,
                    scan.lastLineHash());
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(channel, e);
            closeAfterFailure(directoryLock, e);
            throw e;
        }
    }

    /** Returns the path of the log file. */
    public Path file() {
        return file;
    }

    // TODO: replace with a group commit writer; this completes each append synchronously.
    @Override
    public java.util.concurrent.CompletableFuture<AppendedRecord> appendAsync(AuditEvent event) {
        try {
            return java.util.concurrent.CompletableFuture.completedFuture(append(event));
        } catch (AuditWriteException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public long lastDurableSequence() {
        lock.lock();
        try {
            return lastSequence;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public AppendedRecord append(AuditEvent event) throws AuditWriteException {
        Objects.requireNonNull(event, "event");
        byte[] eventMembers = RecordCodec.encodeEventMembers(event);
        String id = idGenerator.get();
        lock.lock();
        try {
            return appendLocked(id, eventMembers);
        } finally {
            lock.unlock();
        }
    }

    private AppendedRecord appendLocked(String id, byte[] eventMembers) throws AuditWriteException {
        if (closed) {
            throw new AuditWriteException("audit log is closed: " + file, null);
        }
        long sequence = lastSequence + 1;
        byte[] line = RecordCodec.line(sequence, id, clock.instant(), eventMembers, lastHash);
        if (line.length - 1 > RecordCodec.MAX_LINE_BYTES) {
            throw new AuditWriteException("audit record " + sequence + " is " + (line.length - 1)
                    + " bytes long (maximum: " + RecordCodec.MAX_LINE_BYTES + ")", null);
        }
        try {
            if (repairNeeded) {
                repairAfterFailure();
            }
            repairNeeded = true;
            writeFully(line);
            // NOTE: every append forces the file while holding the lock, so appends are bounded by fsync
            // latency. Group commit (one force for a batch of waiting appends) is the planned way to lift that.
            channel.force(false);
            repairNeeded = false;
        } catch (IOException e) {
            throw new AuditWriteException("writing audit record " + sequence + " to " + file + " failed: " + e, e);
        }
        String hash = RecordCodec.sha256Hex(line, 0, line.length - 1);
        lastSequence = sequence;
        lastHash = hash;
        acknowledgedSize += line.length;
        return new AppendedRecord(sequence, id, hash);
    }

    /** Writes the line with one call; the loop only continues after a short write. */
    private void writeFully(byte[] line) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /**
     * Checks that the log can take a record now. Like an append, it first cuts what a failed append left, reopening
     * the channel when needed. It then writes {@link #PROBE} after the last record, forces it to disk, cuts it off
     * and forces again, so a full disk, a file size limit or a failing device that would stop the next append stops
     * the check too. When the check fails midway, the next append or check cuts what it left. Readers may see the
     * probe bytes as an incomplete last line while the check runs.
     *
     * @throws AuditWriteException when the log is closed or any step fails
     */
    @Override
    public void checkWritable() throws AuditWriteException {
        lock.lock();
        try {
            if (closed) {
                throw new AuditWriteException("audit log is closed: " + file, null);
            }
            if (repairNeeded) {
                repairAfterFailure();
            }
            repairNeeded = true;
            writeFully(PROBE);
            channel.force(false);
            channel.truncate(acknowledgedSize);
            channel.force(false);
            repairNeeded = false;
        } catch (IOException e) {
            throw new AuditWriteException("checking that " + file + " takes another record failed: " + e, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Cuts whatever a failed append left after the last acknowledged record, so the next record chains to it.
     * Reopens the channel first when the failure closed it, as an interrupted write does.
     */
    private void repairAfterFailure() throws IOException {
        if (!channel.isOpen()) {
            channel = opener.open(file);
        }
        long size = channel.size();
        if (size < acknowledgedSize) {
            throw new IOException("audit log " + file + " is " + size + " bytes, shorter than the "
                    + acknowledgedSize + " bytes of acknowledged records, so it was changed outside this process."
                    + " Run audit verify on it, then restart the gateway");
        }
        if (size > acknowledgedSize) {
            channel.truncate(acknowledgedSize);
            LOG.warn("Audit log {}: cut {} bytes left by a failed append or check after record {}", file,
                    size - acknowledgedSize, lastSequence);
            channel.force(true);
        }
    }

    /** Closes the log; later appends fail with {@link AuditWriteException}. Closing twice has no effect. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                channel.close();
            } finally {
                directoryLock.close();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Creates {@code directory} and any missing parents with owner-only permissions (0700) on POSIX file systems,
     * because the records name principals, paths and denial reasons. Existing directories keep their permissions.
     */
    private static void createWritableDirectory(Path directory) throws IOException {
        try {
            Files.createDirectories(directory, ownerOnly(directory, OWNER_ONLY_DIRECTORY));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("audit directory path is not a directory: " + directory, e);
        }
        if (!Files.isWritable(directory)) {
            throw new AccessDeniedException(directory.toString(), null, "audit directory is not writable");
        }
    }

    /**
     * Locks {@link #LOCK_FILE_NAME} in {@code directory} for as long as the log is open, so a second gateway process
     * given the same directory fails at start rather than interleave its records with this one's.
     */
    private static FileChannel lockDirectory(Path directory) throws IOException {
        Path lockFile = directory.resolve(LOCK_FILE_NAME);
        FileChannel channel = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                ownerOnly(lockFile, OWNER_ONLY_FILE));
        try {
            if (channel.tryLock() == null) {
                throw new IOException("audit directory " + directory + " is in use by another process, which has"
                        + " locked " + lockFile + ". Give each gateway process its own audit directory");
            }
            return channel;
        } catch (OverlappingFileLockException e) {
            IOException failure = new IOException("audit directory " + directory + " is already in use in this"
                    + " process", e);
            closeAfterFailure(channel, failure);
            throw failure;
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(channel, e);
            throw e;
        }
    }

    private static void closeAfterFailure(FileChannel channel, Exception failure) {
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** Opens the log for appending, creating it with owner-only permissions (0600) on POSIX file systems. */
    private static FileChannel openAppendChannel(Path file) throws IOException {
        return FileChannel.open(file, APPEND_OPTIONS, ownerOnly(file, OWNER_ONLY_FILE));
    }

    /**
     * Returns {@code permissions} as a creation attribute when {@code path}'s file system supports POSIX
     * permissions, so they apply from the moment of creation. Returns no attribute otherwise.
     */
    private static FileAttribute<?>[] ownerOnly(Path path, Set<PosixFilePermission> permissions) {
        if (!path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
    }

    /** Returns 128 random bits, base64url encoded without padding. */
    private static String newRecordId() {
        byte[] bits = new byte[16];
        RANDOM.nextBytes(bits);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }
}
