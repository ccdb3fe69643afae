package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.ByteSink;
import dev.agentgateway.audit.internal.CheckpointFile;
import dev.agentgateway.audit.internal.FileIdentity;
import dev.agentgateway.audit.internal.LogRecovery;
import dev.agentgateway.audit.internal.RecordCodec;
import dev.agentgateway.audit.internal.RecordCodec.EncodedEvent;
import dev.agentgateway.audit.internal.RegularFiles;
import dev.agentgateway.audit.internal.Segments;
import dev.agentgateway.audit.internal.Segments.Segment;
import dev.agentgateway.audit.internal.UncoveredRecords;
import dev.agentgateway.config.AuditConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AuditLog} writing RFC 8785 canonical JSON lines to segment files in one directory, with group commit.
 *
 * <p>Callers encode their event on their own thread and queue it. One writer thread takes everything queued,
 * assigns {@code seq}, {@code time} and {@code prev}, writes the lines with one write call and makes them durable
 * with one {@code fsync} (two when the batch starts a new segment), and only then completes the batch's futures.
 * A failed write or fsync fails every future of the batch and leaves the chain at the last durable record. The
 * next batch first reopens the segment, cuts it back to its durable size and forces it, because after a failed
 * fsync the page cache may hold bytes that never reached the disk.
 *
 * <p>Segments are named {@code audit-<seq of first record, 20 digits>.log}. A new one starts when the next record
 * would take the current one past {@link AuditConfig#segmentMaxBytes()} or when the current one's first record is
 * older than {@link AuditConfig#segmentMaxAge()}. The chain continues across segments. The directory is locked
 * while the log is open, so a second process cannot append to the same log. Before each batch the writer checks
 * that the lock file, the current segment and the checkpoint file are still the files it opened, and fails the
 * batch when one was removed, moved or replaced. Record times never decrease, even when the clock is stepped back.
 *
 * <p>The writer keeps the RFC 9162 tree head of the durable records and appends a signed {@link Checkpoint} of it
 * to {@value #CHECKPOINT_FILE_NAME} after {@link AuditConfig#checkpointEveryRecords()} new records, once the
 * oldest uncovered record is {@link AuditConfig#checkpointInterval()} old, and on close. While a checkpoint cannot
 * be written, batches fail too: the writer tries the checkpoint again before each batch and once a second.
 */
public final class FileAuditLog implements AuditLog {

    /**
     * Name of the file whose lock marks the directory as in use. It is a file of its own because a POSIX record
     * lock on a segment would be dropped as soon as this process closes any other descriptor of that segment, as
     * readers in the same process do.
     */
    public static final String LOCK_FILE_NAME = "audit.lock";
    /** Name of the file of signed checkpoints in the audit directory. */
    public static final String CHECKPOINT_FILE_NAME = CheckpointFile.FILE_NAME;

    private static final Logger LOG = LoggerFactory.getLogger(FileAuditLog.class);

    /**
     * Bytes {@link #checkWritable} writes and cuts off again: spaces and no line end, so a crash before the cut
     * leaves an incomplete last line, which {@link #open} removes. 4 KiB, so that on file systems with blocks of at
     * most 4 KiB the write needs a new block, as a growing log eventually does.
     */
    private static final byte[] PROBE = " ".repeat(4096).getBytes(StandardCharsets.US_ASCII);
    /** Most records one batch takes from the queue, which bounds the batch buffer. */
    private static final int MAX_BATCH_RECORDS = 4096;
    /** Most bytes written with one write call; a larger batch is written and forced in parts. */
    private static final int MAX_RUN_BYTES = 4 << 20;
    /** Wait before trying again after a checkpoint could not be written. */
    private static final long CHECKPOINT_RETRY_MILLIS = 1000;
    private static final byte LEAF_PREFIX = 0x00;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<StandardOpenOption> APPEND_OPTIONS =
            EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);

    /** Opens the channel that appends to a segment file; tests substitute a channel that fails. */
    @FunctionalInterface
    interface ChannelOpener {
        FileChannel open(Path file) throws IOException;
    }

    /** One queued record and, once written, its place in the chain. */
    private static final class Pending {
        final EncodedEvent event;
        final CompletableFuture<AppendedRecord> future = new CompletableFuture<>();
        final long queuedNanos;
        long sequence;
        byte[] hash;
        byte[] leafHash;

        Pending(EncodedEvent event, long queuedNanos) {
            this.event = event;
            this.queuedNanos = queuedNanos;
        }
    }

    /** Queued by {@link #close} to wake the writer thread. */
    private static final Pending CLOSE = new Pending(null, 0);
    /** Queued by {@link #checkWritable} to have the writer try a failed checkpoint again at once. */
    private static final Pending RETRY_CHECKPOINT = new Pending(null, 0);
    /** Maximum time {@link #checkWritable} waits for the writer to try a failed checkpoint again. */
    private static final long CHECKPOINT_RETRY_WAIT_SECONDS = 5;

    /** The segment records are appended to. */
    private static final class OpenSegment {
        final Segment segment;
        /** The file opened at {@code segment.path()}; checked before each batch. */
        final FileIdentity identity;
        FileChannel channel;
        /** Bytes of durable records. */
        long size;
        /** Time of the first record in epoch milliseconds, or -1 while the segment has none. */
        long firstRecordMillis;

        OpenSegment(Segment segment, FileIdentity identity, FileChannel channel, long size, long firstRecordMillis) {
            this.segment = segment;
            this.identity = identity;
            this.channel = channel;
            this.size = size;
            this.firstRecordMillis = firstRecordMillis;
        }
    }

    private final Path directory;
    private final long segmentMaxBytes;
    private final long segmentMaxAgeMillis;
    private final int maxPendingRecords;
    private final Clock clock;
    private final CommitObserver observer;
    private final ChannelOpener opener;
    private final Supplier<String> idGenerator;
    private final FileChannel directoryLock;
    /** The lock file {@link #directoryLock} holds; checked before each batch. */
    private final FileIdentity lockIdentity;
    private final AuditSigningKey key;
    private final long checkpointEveryRecords;
    private final long checkpointIntervalMillis;

    private final LinkedBlockingQueue<Pending> queue;
    private final AtomicInteger pendingRecords = new AtomicInteger();
    private final Thread writer;
    /** Set by {@link #close} or when the writer thread fails; later appends fail at once. */
    private volatile boolean closing;
    private final AtomicBoolean closeCalled = new AtomicBoolean();
    /** Cause of the writer thread's stop before close, or {@code null}. */
    private volatile AuditWriteException writerFailure;
    /** Set by the writer thread before its last drain of the queue; later appends fail. */
    private volatile boolean stopped;
    private volatile long durableSequence;

    /** Held by the writer thread for each batch and by {@link #checkWritable}, so their I/O never interleaves. */
    private final ReentrantLock ioLock = new ReentrantLock();
    // Guarded by ioLock.
    private OpenSegment current;
    private long lastSequence;
    private byte[] lastHash;
    private boolean repairNeeded;
    /**
     * Bytes of the last write to the segment (a batch or a readiness probe). After a failed write, a repair cuts at
     * most this many bytes: more means another process appended to the segment too.
     */
    private long lastWriteBytes;
    /** Set once a repair cut bytes during the current run of failures, so only the first cut logs a warning. */
    private boolean repairReported;
    private final ByteSink batchBuffer = new ByteSink(64 * 1024);
    private final MessageDigest chainDigest = RecordCodec.newSha256();
    private final MessageDigest leafDigest = RecordCodec.newSha256();

    // Used by the writer thread only, and by open and close before it starts and after it stops.
    /** Tree head of the durable records. */
    private final MerkleTree.Builder tree;
    private final CheckpointFile checkpoints;
    /** Records no checkpoint covered at open, or {@code null}; set before the writer thread starts. */
    private UncoveredRecords.Range uncoveredAtOpen;
    /** Key id of the earlier key that signed the newest checkpoint at a seal's open, or {@code null}. */
    private String earlierKeyIdAtOpen;
    /** Clock time at which the oldest record not covered by a checkpoint became durable, or -1 when none is. */
    private long firstUncoveredMillis = -1;
    /** Clock time before which no checkpoint is tried again after a failure. */
    private long checkpointRetryMillis;
    /**
     * The failure of the last checkpoint write, or {@code null} after a success. While it is set, batches fail (see
     * {@link #commit}). Written by the writer thread only; volatile for {@link #checkWritable}.
     */
    private volatile IOException checkpointFailure;
    /** Completed by the writer once it tried a failed checkpoint again that {@link #checkWritable} asked for. */
    private final AtomicReference<CompletableFuture<Void>> checkpointRetried = new AtomicReference<>();
    /** Whether {@link #RETRY_CHECKPOINT} was taken from the queue; writer thread only. */
    private boolean checkpointRetryRequested;
    /**
     * Epoch milliseconds no new record or checkpoint time may precede: the latest record or checkpoint time
     * written, so times never go backwards within a log when the clock is stepped back or across restarts.
     */
    private long timeFloorMillis;

    private FileAuditLog(Path directory, AuditConfig config, AuditSigningKey key, Clock clock,
            CommitObserver observer, ChannelOpener opener, Supplier<String> idGenerator, FileChannel directoryLock,
            FileIdentity lockIdentity, LogRecovery.State recovered, FileChannel newestChannel,
            FileIdentity newestIdentity, MerkleTree.Builder tree, CheckpointFile checkpoints) {
        this.directory = directory;
        this.key = key;
        this.checkpointEveryRecords = config.checkpointEveryRecords();
        this.checkpointIntervalMillis = config.checkpointInterval().toMillis();
        this.tree = tree;
        this.checkpoints = checkpoints;
        if (tree.size() > checkpoints.lastSize()) {
            this.firstUncoveredMillis = clock.millis();
        }
        this.segmentMaxBytes = config.segmentMaxBytes();
        this.segmentMaxAgeMillis = config.segmentMaxAge().toMillis();
        this.maxPendingRecords = config.maxPendingRecords();
        this.clock = clock;
        this.observer = observer;
        this.opener = opener;
        this.idGenerator = idGenerator;
        this.directoryLock = directoryLock;
        this.lockIdentity = lockIdentity;
        this.timeFloorMillis = latestMillis(recovered.latestTime(), checkpoints.lastTime());
        this.queue = new LinkedBlockingQueue<>(maxPendingRecords + 1);
        this.lastSequence = recovered.lastSequence();
        this.lastHash = recovered.lastHash();
        this.durableSequence = recovered.lastSequence();
        if (recovered.newest() != null) {
            long firstMillis = recovered.newestFirstTime() == null
                    ? clock.millis() : recovered.newestFirstTime().toEpochMilli();
            this.current = new OpenSegment(recovered.newest(), newestIdentity, newestChannel, recovered.newestSize(),
                    firstMillis);
        }
        this.writer = new Thread(this::runWriter, "audit-writer " + directory.getFileName());
        this.writer.setDaemon(true);
    }

    private static long latestMillis(Instant recordTime, Instant checkpointTime) {
        long latest = Long.MIN_VALUE;
        if (recordTime != null) {
            latest = recordTime.toEpochMilli();
        }
        if (checkpointTime != null) {
            latest = Math.max(latest, checkpointTime.toEpochMilli());
        }
        return latest;
    }

    /**
     * Opens the log in {@code directory} with the default settings, creating the directory when absent, and signs
     * its checkpoints with an EdDSA key that this process generated and keeps in memory only, the same for every
     * such open, so the log can be opened again in the same process. For tests and tools: production code passes
     * its {@link AuditConfig} and audit key.
     *
     * @throws IOException as {@link #open(AuditConfig, AuditSigningKey, Clock, CommitObserver)} does
     */
    public static FileAuditLog open(Path directory, Clock clock) throws IOException {
        return open(new AuditConfig(directory), ProcessKey.KEY, clock, CommitObserver.NONE);
    }

    /** The in-memory key of {@link #open(Path, Clock)}, generated at its first use. */
    private static final class ProcessKey {
        static final AuditSigningKey KEY = AuditSigningKey.generate("EdDSA");
    }

    /**
     * Opens the log in {@code config.directory()}, creating the directory when absent, recovers it and starts the
     * writer thread.
     *
     * <p>Recovery reads the checkpoints, then every segment to find the chain head. A checkpoint signed with
     * {@code key}'s key id must verify with {@code key}; checkpoints of other key ids, signed before a key rotation,
     * are counted at info level and left to {@code audit verify}. An incomplete last line of the newest segment,
     * left by a crash during a write, is cut off and reported at warn level, and a newest segment left empty is
     * deleted. A record that is not valid is reported at error level and the chain continues after it, so the
     * gateway keeps recording. The Merkle tree head is rebuilt from all records and compared with every
     * checkpoint's root on the way, so checkpoints continue where they left off; {@code key} signs the new ones.
     *
     * <p>Records after the last checkpoint are left by a crash, and are reported at warn level and covered by the
     * next checkpoint when the oldest of them is at most {@link AuditConfig#checkpointInterval()} plus one minute
     * old, the bound {@code audit verify} applies. Older ones make the open fail: checkpoints were removed, or the
     * log stayed uncovered for long. After checking those records, the operator signs them with
     * {@link #seal(AuditConfig, AuditSigningKey, Clock)}.
     *
     * @throws IOException when the directory cannot be created or written, contains a log of the earlier
     *     single-file format, a segment is missing or cannot be read, a checkpoint covers more records than the log
     *     contains (records were lost or cut) or has a root that does not match them (a record was changed), a
     *     checkpoint of {@code key}'s key id has a signature that does not verify, a checkpoint or record is dated
     *     more than a minute after {@code clock} (the clock was stepped back or the line was forged), a record
     *     after the last checkpoint has a time before that checkpoint's (it was added while the log was closed) or
     *     is older than the checkpoint interval plus one minute, or another process has the log open
     */
    public static FileAuditLog open(AuditConfig config, AuditSigningKey key, Clock clock, CommitObserver observer)
            throws IOException {
        return open(config, key, clock, observer, FileAuditLog::openAppendChannel, FileAuditLog::newRecordId);
    }

    /**
     * The records and the key change that {@link #seal} signed.
     *
     * @param firstSequence seq of the first record that no checkpoint covered, or 0 when there was none
     * @param lastSequence seq of the last record that no checkpoint covered, or 0 when there was none
     * @param earliestTime earliest time of those records, or {@code null} when there was none
     * @param latestTime latest time of those records, or {@code null} when there was none
     * @param earlierKeyId key id of the earlier audit key that signed the newest checkpoint, when the seal recorded
     *     a key change, or {@code null}
     * @param checkpointSize number of records the new checkpoint covers
     */
    public record SealedRecords(long firstSequence, long lastSequence, Instant earliestTime, Instant latestTime,
            String earlierKeyId, long checkpointSize) {
    }

    /**
     * Opens the log as {@link #open(AuditConfig, AuditSigningKey, Clock, CommitObserver)} does, but accepts
     * records after the last checkpoint however old they are, then writes one checkpoint covering every record and
     * closes the log. The records sealed are logged at warn level. Every other check of the open still applies, so
     * a record dated before the last checkpoint, a root that does not match or missing records still fail.
     *
     * <p>Run it only after checking the uncovered records, because the checkpoint vouches for them as they are.
     *
     * @return the records sealed, or {@code null} when a checkpoint already covered every record
     * @throws IOException when the open fails as described there, or the checkpoint cannot be written
     */
    public static SealedRecords seal(AuditConfig config, AuditSigningKey key, Clock clock) throws IOException {
        return seal(config, key, List.of(), clock);
    }

    /**
     * Like {@link #seal(AuditConfig, AuditSigningKey, Clock)}, and also accepts a newest checkpoint signed with one
     * of {@code earlierKeys} when its signature verifies with it. The seal then appends an
     * {@link AuditEventType#AUDIT_KEY_CHANGE} record, so that the checkpoint it writes with {@code key} covers a
     * record of the change. Returns {@code null} when there was nothing to seal.
     */
    public static SealedRecords seal(AuditConfig config, AuditSigningKey key, List<AuditPublicKey> earlierKeys,
            Clock clock) throws IOException {
        FileAuditLog log = open(config, key, clock, CommitObserver.NONE, FileAuditLog::openAppendChannel,
                FileAuditLog::newRecordId, true, earlierKeys);
        UncoveredRecords.Range range = log.uncoveredAtOpen;
        String earlierKeyId = log.earlierKeyIdAtOpen;
        try {
            if (earlierKeyId != null) {
                log.append(AuditEvent.builder(AuditEventType.AUDIT_KEY_CHANGE, newRecordId())
                        .keyThumbprint(key.keyId())
                        .reason("audit key changed from " + earlierKeyId + " to " + key.keyId() + "; the newest"
                                + " checkpoint was verified with the earlier key before this record")
                        .build());
            }
        } finally {
            log.close();
        }
        if (log.checkpoints.lastSize() < log.tree.size()) {
            IOException failure = log.checkpointFailure;
            throw new IOException("sealing audit log " + config.directory() + " failed: the checkpoint of "
                    + log.tree.size() + " records could not be written"
                    + (failure == null ? "" : ": " + failure.getMessage()), failure);
        }
        if (range == null && earlierKeyId == null) {
            return null;
        }
        return new SealedRecords(range == null ? 0 : range.firstSequence(), range == null ? 0 : range.lastSequence(),
                range == null ? null : range.earliestTime(), range == null ? null : range.latestTime(), earlierKeyId,
                log.tree.size());
    }

    /**
     * Signs a test message with {@code key} and verifies the signature with its public half, so a key that cannot
     * sign fails the open rather than the first checkpoint, after records were already accepted.
     */
    private static void selfTest(AuditSigningKey key) throws IOException {
        byte[] message = "agent-gateway audit key self-test".getBytes(StandardCharsets.US_ASCII);
        try {
            if (key.publicKey().verify(message, key.sign(message))) {
                return;
            }
        } catch (RuntimeException e) {
            throw new IOException("audit key " + key.keyId() + " failed its signing self-test: " + e.getMessage(), e);
        }
        throw new IOException("audit key " + key.keyId() + " failed its signing self-test: its public key does not"
                + " verify its own signature");
    }

    static FileAuditLog open(AuditConfig config, AuditSigningKey key, Clock clock, CommitObserver observer,
            ChannelOpener opener, Supplier<String> idGenerator) throws IOException {
        return open(config, key, clock, observer, opener, idGenerator, false, List.of());
    }

    /**
     * Opens the log; {@code seal} lifts the bound on the age of records after the last checkpoint and the need for
     * a checkpoint, and {@code earlierKeys} are accepted for the newest checkpoint.
     */
    private static FileAuditLog open(AuditConfig config, AuditSigningKey key, Clock clock, CommitObserver observer,
            ChannelOpener opener, Supplier<String> idGenerator, boolean seal, List<AuditPublicKey> earlierKeys)
            throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(observer, "observer");
        selfTest(key);
        Path directory = config.directory();
        createWritableDirectory(directory);
        FileChannel directoryLock = lockDirectory(directory);
        FileChannel newestChannel = null;
        try {
            FileIdentity lockIdentity = FileIdentity.of(directory.resolve(LOCK_FILE_NAME));
            Segments.rejectLegacyLog(directory);
            MerkleTree.Builder tree = new MerkleTree.Builder();
            CheckpointFile checkpoints = CheckpointFile.recover(directory);
            String earlierKeyId = checkpoints.checkSignatures(key.publicKey(), earlierKeys, clock.instant());
            UncoveredRecords uncovered = new UncoveredRecords(directory, checkpoints, clock,
                    config.checkpointInterval().plus(UncoveredRecords.MAX_CLOCK_AHEAD));
            LogRecovery.State recovered = LogRecovery.recover(directory, (sequence, record, time) -> {
                tree.addLeafHash(MerkleTree.leafHash(record));
                checkpoints.checkRoots(tree);
                uncovered.check(sequence, time);
            });
            checkpoints.checkCovers(recovered.lastSequence());
            UncoveredRecords.Range uncoveredRange = uncovered.finish(seal);
            FileIdentity newestIdentity = null;
            if (recovered.newest() != null) {
                newestChannel = opener.open(recovered.newest().path());
                newestIdentity = FileIdentity.of(recovered.newest().path());
            }
            FileAuditLog log = new FileAuditLog(directory, config, key, clock, observer, opener, idGenerator,
                    directoryLock, lockIdentity, recovered, newestChannel, newestIdentity, tree, checkpoints);
            log.uncoveredAtOpen = uncoveredRange;
            log.earlierKeyIdAtOpen = earlierKeyId;
            if (checkpoints.lastSize() > 0) {
                observer.checkpointWritten(checkpoints.lastSize());
            }
            log.writer.start();
            LOG.debug("Opened audit log {} after record {}", directory, recovered.lastSequence());
            return log;
        } catch (IOException | RuntimeException e) {
            if (newestChannel != null) {
                closeAfterFailure(newestChannel, e);
            }
            closeAfterFailure(directoryLock, e);
            throw e;
        }
    }

    /** Returns the audit directory. */
    public Path directory() {
        return directory;
    }

    @Override
    public CompletableFuture<AppendedRecord> appendAsync(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        if (closing) {
            return CompletableFuture.failedFuture(closedFailure());
        }
        EncodedEvent encoded;
        try {
            encoded = RecordCodec.encodeEvent(idGenerator.get(), event);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new AuditWriteException("audit event rejected: "
                    + e.getMessage(), e));
        }
        if (encoded.bytes().length + RecordCodec.MIN_RECORD_OVERHEAD > RecordCodec.MAX_LINE_BYTES) {
            return CompletableFuture.failedFuture(tooLong(encoded.bytes().length + RecordCodec.MIN_RECORD_OVERHEAD));
        }
        if (pendingRecords.incrementAndGet() > maxPendingRecords) {
            pendingRecords.decrementAndGet();
            return CompletableFuture.failedFuture(new AuditWriteException(
                    "audit queue is full (" + maxPendingRecords + " records waiting)", null));
        }
        Pending pending = new Pending(encoded, System.nanoTime());
        queue.add(pending);
        if (stopped) {
            failQueued();
        }
        return pending.future;
    }

    @Override
    public long lastDurableSequence() {
        return durableSequence;
    }

    private void runWriter() {
        List<Pending> batch = new ArrayList<>();
        try {
            boolean running = true;
            while (running) {
                running = takeBatch(batch);
                pendingRecords.addAndGet(-batch.size());
                if (!batch.isEmpty()) {
                    commit(batch);
                }
                batch.clear();
                checkpointIfDue();
            }
        } catch (RuntimeException | Error e) {
            LOG.error("Audit writer thread for {} failed; appends fail until the log is reopened", directory, e);
            AuditWriteException failure = new AuditWriteException("audit writer thread for " + directory
                    + " failed: " + e, e);
            writerFailure = failure;
            stopped = true;
            closing = true;
            for (Pending pending : batch) {
                pending.future.completeExceptionally(failure);
            }
            failQueued();
            throw e;
        } finally {
            finishWriter();
        }
    }

    /**
     * Waits for records, at most until a checkpoint falls due, and moves everything queued into {@code batch}.
     * Returns false once {@link #close} asked the writer to stop; {@code batch} then contains every record left.
     */
    private boolean takeBatch(List<Pending> batch) {
        Pending first;
        try {
            first = queue.poll(nanosUntilCheckpointDue(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            // Only close stops the writer, and it does so through the queue.
            return true;
        }
        if (first == null) {
            return true;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH_RECORDS - 1);
        if (batch.removeIf(pending -> pending == RETRY_CHECKPOINT)) {
            checkpointRetryRequested = true;
        }
        if (closing && batch.remove(CLOSE)) {
            stopped = true;
            queue.drainTo(batch);
            batch.removeIf(pending -> pending == CLOSE || pending == RETRY_CHECKPOINT);
            return false;
        }
        return true;
    }

    /** Returns how long the writer may wait for records before a checkpoint falls due; long when none will. */
    private long nanosUntilCheckpointDue() {
        if (firstUncoveredMillis < 0) {
            return TimeUnit.HOURS.toNanos(1);
        }
        long due = Math.max(firstUncoveredMillis + checkpointIntervalMillis, checkpointRetryMillis);
        return TimeUnit.MILLISECONDS.toNanos(Math.max(1, due - clock.millis()));
    }

    /** Wakes the callers of {@link #checkWritable} that wait for a checkpoint retry. */
    private void releaseCheckpointRetryWaiters() {
        CompletableFuture<Void> waiting = checkpointRetried.getAndSet(null);
        if (waiting != null) {
            waiting.complete(null);
        }
    }

    /**
     * Writes a checkpoint when {@link AuditConfig#checkpointEveryRecords()} records are uncovered or the oldest
     * uncovered one became durable {@link AuditConfig#checkpointInterval()} ago.
     */
    private void checkpointIfDue() {
        if (checkpointRetryRequested) {
            checkpointRetryRequested = false;
            if (checkpointFailure != null) {
                writeCheckpoint();
            }
            releaseCheckpointRetryWaiters();
        }
        if (firstUncoveredMillis < 0) {
            return;
        }
        long now = clock.millis();
        if (now < checkpointRetryMillis) {
            return;
        }
        if (tree.size() - checkpoints.lastSize() >= checkpointEveryRecords
                || now - firstUncoveredMillis >= checkpointIntervalMillis) {
            writeCheckpoint();
        }
    }

    /**
     * Signs the tree head of every durable record and appends it to the checkpoint file. A failure is kept in
     * {@link #checkpointFailure} and tried again after {@link #CHECKPOINT_RETRY_MILLIS} or with the next batch.
     */
    private void writeCheckpoint() {
        long size = tree.size();
        Instant time = nextTime();
        try {
            ioLock.lock();
            try {
                // Another process may have taken the directory over after its lock file was deleted; its files
                // must not be touched.
                checkOpenFiles();
            } finally {
                ioLock.unlock();
            }
            checkpoints.append(Checkpoint.sign(key, size, tree.root(), time, checkpoints.nextPrevious()));
        } catch (IOException | RuntimeException e) {
            checkpointRetryMillis = clock.millis() + CHECKPOINT_RETRY_MILLIS;
            if (checkpointFailure == null) {
                LOG.error("Writing an audit checkpoint of {} records to {} failed; appends fail and the checkpoint is"
                        + " retried every {} ms and before each batch: {}", size,
                        directory.resolve(CHECKPOINT_FILE_NAME), CHECKPOINT_RETRY_MILLIS, e.toString());
            }
            checkpointFailure = new IOException("the audit checkpoint of " + size + " records could not be written to "
                    + directory.resolve(CHECKPOINT_FILE_NAME) + ": " + e.getMessage(), e);
            return;
        }
        if (checkpointFailure != null) {
            LOG.info("Audit checkpoint of {} records written to {} after earlier failures", size,
                    directory.resolve(CHECKPOINT_FILE_NAME));
            checkpointFailure = null;
        }
        firstUncoveredMillis = -1;
        checkpointRetryMillis = 0;
        timeFloorMillis = Math.max(timeFloorMillis, time.toEpochMilli());
        try {
            observer.checkpointWritten(size);
        } catch (RuntimeException e) {
            LOG.warn("Audit commit observer failed", e);
        }
    }

    /** Writes the final checkpoint and closes the files, once the last batch is written. */
    private void finishWriter() {
        if (firstUncoveredMillis >= 0) {
            checkpointRetryMillis = 0;
            writeCheckpoint();
        }
        releaseCheckpointRetryWaiters();
        ioLock.lock();
        try {
            boolean owned = cutFailedWrites();
            if (firstUncoveredMillis >= 0) {
                reportUncoveredAtClose(owned);
            }
            closeQuietly(checkpoints);
            if (current != null) {
                closeQuietly(current.channel);
            }
        } finally {
            ioLock.unlock();
        }
    }

    /** Logs the records this close leaves without a checkpoint, at error level while this log owns its files. */
    private void reportUncoveredAtClose(boolean owned) {
        long first = checkpoints.lastSize() + 1;
        IOException failure = checkpointFailure;
        String cause = failure == null ? "" : " (" + failure.getMessage() + ")";
        if (owned) {
            LOG.error("Audit log {} closed with records {} to {} not covered by a checkpoint{}. A start refuses them"
                    + " once they are older than the checkpoint interval plus {} s: check them and run audit seal",
                    directory, first, lastSequence, cause, UncoveredRecords.MAX_CLOCK_AHEAD.toSeconds());
        } else {
            LOG.warn("Audit log {} closed with records {} to {} not covered by a checkpoint of this process{}; its"
                    + " files changed hands, and the process that holds the directory now covers them", directory,
                    first, lastSequence, cause);
        }
    }

    /**
     * Cuts what failed writes left in the segment and the checkpoint file, so a clean stop leaves whole lines. When
     * the files are no longer the ones this log opened, another process may be writing to them, so nothing is cut.
     * Returns whether the files were still this log's.
     */
    private boolean cutFailedWrites() {
        try {
            checkOpenFiles();
        } catch (IOException e) {
            LOG.warn("Audit log {}: not cutting what failed writes left at close, because another process may own"
                    + " the files now: {}", directory, e.getMessage());
            return false;
        }
        checkpoints.cutFailedWrite();
        if (repairNeeded) {
            try {
                repair();
            } catch (IOException | RuntimeException e) {
                LOG.warn("Audit segment {}: could not cut what a failed write left after record {}; the next open"
                        + " cuts it: {}", current == null ? directory : current.segment.path(), lastSequence,
                        e.toString());
            }
        }
        return true;
    }


    /** Writes {@code batch} as one or more runs, one per segment it touches. */
    private void commit(List<Pending> batch) {
        ioLock.lock();
        try {
            Instant now = nextTime();
            byte[] time = RecordCodec.formatTime(now).getBytes(StandardCharsets.US_ASCII);
            int next = 0;
            try {
                checkOpenFiles();
            } catch (IOException e) {
                fail(batch, 0, e);
                return;
            }
            if (checkpointFailure != null) {
                // Records a checkpoint cannot cover would fail verification later, so none are taken until one can.
                writeCheckpoint();
                IOException failure = checkpointFailure;
                if (failure != null) {
                    fail(batch, 0, failure);
                    return;
                }
            }
            while (next < batch.size()) {
                try {
                    if (repairNeeded) {
                        repair();
                    }
                    next = writeRun(batch, next, time, now.toEpochMilli());
                } catch (IOException | RuntimeException e) {
                    repairNeeded = true;
                    fail(batch, next, e);
                    return;
                }
            }
        } finally {
            ioLock.unlock();
        }
    }

    /**
     * Returns the time for the next records or checkpoint: the clock's time, or the latest time already written
     * when the clock is behind it, so times in the log never decrease.
     */
    private Instant nextTime() {
        Instant now = clock.instant();
        if (now.toEpochMilli() < timeFloorMillis) {
            return Instant.ofEpochMilli(timeFloorMillis);
        }
        return now;
    }

    /**
     * Checks that the lock file, the current segment and the checkpoint file are still the files this log opened,
     * and that the segment has the size this log wrote. Records are then never acknowledged into a deleted, moved
     * or cut file, or next to another process's log, and checkpoints keep covering them. Costs three {@code stat}s
     * and one {@code fstat}.
     */
    private void checkOpenFiles() throws IOException {
        lockIdentity.check("audit lock file");
        if (current != null) {
            current.identity.check("audit segment");
            // After a failed write, the repair that follows checks the size and cuts what the failure left.
            long found = repairNeeded ? current.size : current.channel.size();
            if (found != current.size) {
                throw new IOException("audit segment " + current.segment.path() + " is " + found + " bytes, but this"
                        + " log wrote " + current.size + " bytes to it: another process changed it while the log"
                        + " was open. Run audit verify on " + directory + ", then restart the gateway");
            }
        }
        checkpoints.checkFile();
    }

    /**
     * Writes the records of {@code batch} from {@code from} that fit in the current segment, forces them and
     * completes their futures. Returns the index of the first record not written.
     */
    private int writeRun(List<Pending> batch, int from, byte[] time, long nowMillis) throws IOException {
        if (current != null && current.firstRecordMillis >= 0
                && nowMillis - current.firstRecordMillis >= segmentMaxAgeMillis) {
            closeSegment();
        }
        if (current == null) {
            openSegment(lastSequence + 1);
        }
        batchBuffer.reset();
        long sequence = lastSequence;
        byte[] prev = lastHash;
        int to = from;
        while (to < batch.size()) {
            Pending pending = batch.get(to);
            int mark = batchBuffer.size();
            RecordCodec.writeRecord(batchBuffer, pending.event, sequence + 1, time, prev);
            int length = batchBuffer.size() - mark;
            if (length > RecordCodec.MAX_LINE_BYTES) {
                batchBuffer.truncate(mark);
                batch.remove(to);
                pending.future.completeExceptionally(tooLong(length));
                continue;
            }
            boolean segmentHasRecords = current.size > 0 || mark > 0;
            boolean segmentFull = segmentHasRecords && current.size + mark + length + 1 > segmentMaxBytes;
            if (segmentFull || (mark > 0 && mark + length + 1 > MAX_RUN_BYTES)) {
                batchBuffer.truncate(mark);
                break;
            }
            batchBuffer.write('\n');
            chainDigest.update(batchBuffer.array(), mark, length);
            prev = chainDigest.digest();
            pending.sequence = ++sequence;
            pending.hash = prev;
            pending.leafHash = leafHash(batchBuffer.array(), mark, length);
            to++;
        }
        if (to == from) {
            if (to < batch.size()) {
                closeSegment();
            }
            return to;
        }

        int bytes = batchBuffer.size();
        lastWriteBytes = bytes;
        writeFully(current.channel, ByteBuffer.wrap(batchBuffer.array(), 0, bytes));
        long syncStart = System.nanoTime();
        current.channel.force(false);
        long durableNanos = System.nanoTime();

        current.size += bytes;
        timeFloorMillis = Math.max(timeFloorMillis, nowMillis);
        repairReported = false;
        if (current.firstRecordMillis < 0) {
            current.firstRecordMillis = nowMillis;
        }
        lastSequence = sequence;
        lastHash = prev;
        if (firstUncoveredMillis < 0) {
            firstUncoveredMillis = nowMillis;
        }
        for (int i = from; i < to; i++) {
            tree.addLeafHash(batch.get(i).leafHash);
        }
        durableSequence = sequence;
        for (int i = from; i < to; i++) {
            Pending pending = batch.get(i);
            pending.future.complete(new AppendedRecord(pending.sequence, pending.event.id(),
                    RecordCodec.hex(pending.hash)));
        }
        reportCommit(batch, from, to, bytes, durableNanos - syncStart, durableNanos);
        return to;
    }

    /**
     * Returns the RFC 9162 leaf hash of a record in place, as {@link MerkleTree#leafHash} computes it, without
     * copying the record out of the batch buffer.
     */
    private byte[] leafHash(byte[] bytes, int offset, int length) {
        leafDigest.update(LEAF_PREFIX);
        leafDigest.update(bytes, offset, length);
        return leafDigest.digest();
    }

    /** Passes a commit's figures to the observer; an observer failure must not fail durable records. */
    private void reportCommit(List<Pending> batch, int from, int to, int bytes, long syncNanos, long durableNanos) {
        try {
            observer.batchCommitted(to - from, bytes, syncNanos);
            for (int i = from; i < to; i++) {
                observer.recordCommitted(durableNanos - batch.get(i).queuedNanos);
            }
        } catch (RuntimeException e) {
            LOG.warn("Audit commit observer failed", e);
        }
    }

    /** Writes all of {@code buffer}; the loop only continues after a short write. */
    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private void openSegment(long firstSequence) throws IOException {
        Segment segment = Segments.segment(directory, firstSequence);
        if (Files.exists(segment.path(), LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("audit segment " + segment.path() + " exists already, although this log has not"
                    + " written record " + firstSequence + " yet: another process created it. Run audit verify on "
                    + directory + ", then move the file away");
        }
        FileChannel channel = opener.open(segment.path());
        FileIdentity identity;
        try {
            identity = FileIdentity.of(segment.path());
        } catch (IOException e) {
            closeAfterFailure(channel, e);
            throw e;
        }
        current = new OpenSegment(segment, identity, channel, 0, -1);
        forceDirectory();
    }

    private void closeSegment() throws IOException {
        OpenSegment closed = current;
        current = null;
        closed.channel.close();
    }

    /** Forces the directory, so a new segment's directory entry survives a crash. */
    private void forceDirectory() throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * Cuts what a failed batch or check left after the last durable record, through a newly opened channel: after
     * a failed fsync the old channel's view of the file cannot be trusted. A segment with no durable record is
     * deleted. Bytes beyond what the failed write can have left are another process's, so nothing is cut then.
     */
    private void repair() throws IOException {
        if (current != null) {
            closeQuietly(current.channel);
            current.channel = opener.open(current.segment.path());
            FileChannel channel = current.channel;
            long size = channel.size();
            if (size < current.size) {
                throw new IOException("audit segment " + current.segment.path() + " is " + size
                        + " bytes, shorter than the " + current.size + " bytes of durable records, so it was changed"
                        + " outside this process. Run audit verify on " + directory + ", then restart the gateway");
            }
            if (size > current.size + lastWriteBytes) {
                throw new IOException("audit segment " + current.segment.path() + " is " + size + " bytes, more than"
                        + " its " + current.size + " durable bytes and the " + lastWriteBytes + " bytes of the write"
                        + " that failed: another process changed it while the log was open. Run audit verify on "
                        + directory + ", then restart the gateway");
            }
            channel.truncate(current.size);
            if (size > current.size) {
                reportCut(size - current.size);
            }
            channel.force(true);
            if (current.size == 0) {
                Path empty = current.segment.path();
                closeSegment();
                Files.deleteIfExists(empty);
                forceDirectory();
            }
        }
        repairNeeded = false;
    }

    /**
     * Logs bytes cut by a repair: the first cut of a run of failures at warn level, later ones at debug level, so
     * an outage that fails every batch does not log a warning per batch.
     */
    private void reportCut(long bytes) {
        if (repairReported) {
            LOG.debug("Audit segment {}: cut {} bytes left by a failed write or check after record {}",
                    current.segment.path(), bytes, lastSequence);
            return;
        }
        repairReported = true;
        LOG.warn("Audit segment {}: cut {} bytes left by a failed write or check after record {}; later cuts before"
                + " the next successful write are logged at debug level", current.segment.path(), bytes,
                lastSequence);
    }

    private void fail(List<Pending> batch, int from, Exception cause) {
        int failed = 0;
        long first = lastSequence + 1;
        for (int i = from; i < batch.size(); i++) {
            Pending pending = batch.get(i);
            if (pending.future.completeExceptionally(new AuditWriteException("writing audit records from seq "
                    + first + " to " + directory + " failed: " + cause, cause))) {
                failed++;
            }
        }
        try {
            observer.batchFailed(failed);
        } catch (RuntimeException e) {
            LOG.warn("Audit commit observer failed", e);
        }
    }

    /** Fails everything still queued after the writer thread stopped. */
    private void failQueued() {
        List<Pending> leftover = new ArrayList<>();
        queue.drainTo(leftover);
        leftover.removeIf(pending -> pending == CLOSE || pending == RETRY_CHECKPOINT);
        pendingRecords.addAndGet(-leftover.size());
        for (Pending pending : leftover) {
            pending.future.completeExceptionally(closedFailure());
        }
    }

    private AuditWriteException closedFailure() {
        AuditWriteException failure = writerFailure;
        if (failure != null) {
            return new AuditWriteException(failure.getMessage(), failure.getCause());
        }
        return new AuditWriteException("audit log is closed: " + directory, null);
    }

    private static AuditWriteException tooLong(long length) {
        return new AuditWriteException("audit record is " + length + " bytes long (maximum: "
                + RecordCodec.MAX_LINE_BYTES + ")", null);
    }

    /**
     * Checks that the log can take a record now. It fails while the last checkpoint could not be written, after the
     * writer tried it once more. Like a batch, it first cuts what a failed batch left. It then writes {@link #PROBE} after the last record of the
     * current segment (or into the lock file when no segment is open), forces it to disk, cuts it off and forces
     * again, so a full disk, a file size limit or a failing device that would stop the next batch stops the check
     * too. Readers may see the probe bytes as an incomplete last line while the check runs.
     *
     * @throws AuditWriteException when the log is closed or any step fails
     */
    @Override
    public void checkWritable() throws AuditWriteException {
        ioLock.lock();
        try {
            if (closing) {
                throw closedFailure();
            }
            checkOpenFiles();
            if (repairNeeded) {
                repair();
            }
            if (current == null) {
                probe(directoryLock, 0, false);
            } else {
                repairNeeded = true;
                lastWriteBytes = PROBE.length;
                probe(current.channel, current.size, true);
                repairNeeded = false;
            }
        } catch (IOException e) {
            if (e instanceof AuditWriteException writeFailure) {
                throw writeFailure;
            }
            throw new AuditWriteException("checking that " + directory + " takes another record failed: " + e, e);
        } finally {
            ioLock.unlock();
        }
        if (checkpointFailure != null) {
            awaitCheckpointRetry();
            IOException failure = checkpointFailure;
            if (failure != null) {
                throw new AuditWriteException(failure.getMessage(), failure);
            }
        }
    }

    /**
     * Asks the writer to try the failed checkpoint again now, rather than at its next retry, and waits for the
     * attempt, at most {@link #CHECKPOINT_RETRY_WAIT_SECONDS}. Concurrent callers share one attempt.
     */
    private void awaitCheckpointRetry() {
        CompletableFuture<Void> requested = new CompletableFuture<>();
        CompletableFuture<Void> waiting = checkpointRetried.compareAndExchange(null, requested);
        if (waiting == null) {
            waiting = requested;
            queue.add(RETRY_CHECKPOINT);
        }
        try {
            waiting.get(CHECKPOINT_RETRY_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("Audit checkpoint retry for a readiness check did not finish", e);
        }
    }

    private static void probe(FileChannel channel, long size, boolean append) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(PROBE);
        if (append) {
            writeFully(channel, buffer);
        } else {
            while (buffer.hasRemaining()) {
                channel.write(buffer, size + buffer.position());
            }
        }
        channel.force(false);
        channel.truncate(size);
        channel.force(false);
    }

    /**
     * Closes the log: the writer thread writes everything queued before the close, then stops. Later appends fail
     * with {@link AuditWriteException}. Closing twice has no effect.
     */
    @Override
    public void close() throws IOException {
        if (!closeCalled.compareAndSet(false, true)) {
            return;
        }
        closing = true;
        queue.add(CLOSE);
        boolean interrupted = false;
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        failQueued();
        directoryLock.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.debug("Closing an audit file failed", e);
        }
    }

    /**
     * Creates {@code directory} and any missing parents with owner-only permissions (0700) on POSIX file systems,
     * because the records name principals, paths and denial reasons. Existing directories keep their permissions.
     */
    private static void createWritableDirectory(Path directory) throws IOException {
        try {
            Files.createDirectories(directory, RegularFiles.ownerOnly(directory, OWNER_ONLY_DIRECTORY));
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
     *
     * <p>NOTE: a second process can still open the log after someone deletes the lock file, because it then locks a
     * new file. The directory itself cannot be locked instead: Java takes POSIX record locks, and an exclusive one
     * needs a descriptor open for writing, which a directory never has. The first process fails its next batch
     * instead, because the lock file is no longer the one it opened.
     */
    private static FileChannel lockDirectory(Path directory) throws IOException {
        Path lockFile = directory.resolve(LOCK_FILE_NAME);
        FileChannel channel = RegularFiles.open(lockFile, "audit lock file",
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), RegularFiles.ownerOnly(lockFile, OWNER_ONLY_FILE));
        try {
            if (channel.tryLock() == null) {
                throw new IOException("audit directory " + directory + " is in use by another process, which has"
                        + " locked " + lockFile + ". Stop the gateway that uses it before a command that writes to"
                        + " the log, and give each gateway process its own audit directory");
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

    /** Opens a segment for appending, creating it with owner-only permissions (0600) on POSIX file systems. */
    private static FileChannel openAppendChannel(Path file) throws IOException {
        return RegularFiles.open(file, "audit segment", APPEND_OPTIONS, RegularFiles.ownerOnly(file, OWNER_ONLY_FILE));
    }

    /** Returns 128 random bits, base64url encoded without padding. */
    private static String newRecordId() {
        byte[] bits = new byte[16];
        RANDOM.nextBytes(bits);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }
}
