package dev.agentgateway.audit.internal;

import dev.agentgateway.audit.AuditPublicKey;
import dev.agentgateway.audit.Checkpoint;
import dev.agentgateway.audit.MerkleTree;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file of signed checkpoints, {@value #FILE_NAME}: one canonical JSON line per checkpoint, appended and forced
 * by the log's writer thread. Not thread-safe.
 */
public final class CheckpointFile implements AutoCloseable {

    /** Name of the checkpoint file in the audit directory. */
    public static final String FILE_NAME = "checkpoints.log";

    /** Name of the file in messages. */
    private static final String DESCRIPTION = "audit checkpoint file";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    /** Maximum length of a checkpoint line read back; real ones are about 250 bytes. */
    private static final int MAX_LINE_BYTES = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointFile.class);

    /** A checkpoint read at open and its line in the file. */
    private record Entry(long line, Checkpoint checkpoint) {
    }

    private final Path file;
    private FileChannel channel;
    /**
     * Identity of the checkpoint file as read at open or when the file was created, {@code null} while there is
     * none. Volatile because {@link #checkFile} may run on any thread.
     */
    private volatile FileIdentity identity;
    /** Bytes of durable checkpoint lines. */
    private long size;
    /** Whether a write failed since the last durable line, so bytes after {@link #size} may be this log's own. */
    private boolean repairNeeded;
    /** Bytes of the last line written; after a failed write, a cut may remove at most this many. */
    private long lastLineBytes;
    /** Whether a cut was logged at warn level since the last successful append. */
    private boolean cutReported;
    private long lastSize;
    private Instant lastTime;
    /** SHA-256 of the last durable line, the {@code prev} of the next checkpoint. */
    private byte[] lastLineHash;
    /** Valid checkpoints read at open, ordered by size; each root is compared as recovery rebuilds the tree. */
    private final List<Entry> recovered;
    private int nextRootCheck;

    private CheckpointFile(Path file, FileIdentity identity, long size, long lastSize, Instant lastTime,
            byte[] lastLineHash, List<Entry> recovered) {
        this.file = file;
        this.identity = identity;
        this.lastLineHash = lastLineHash;
        this.size = size;
        this.lastSize = lastSize;
        this.lastTime = lastTime;
        this.recovered = recovered;
    }

    /**
     * Reads the checkpoint file in {@code directory}, when there is one, cutting an incomplete last line left by a
     * crash. A line that is not a valid checkpoint is logged at error level and skipped. Read it before the
     * segments, then pass the rebuilt tree to {@link #checkRoots} after each record and finish with
     * {@link #checkCovers}.
     *
     * @throws IOException when the file cannot be read or cut
     */
    public static CheckpointFile recover(Path directory) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        List<Entry> entries = new ArrayList<>();
        if (!RegularFiles.check(file, DESCRIPTION)) {
            return new CheckpointFile(file, null, 0, 0, null, Checkpoint.firstPrevious(), entries);
        }
        long whole = 0;
        long lastSize = 0;
        Instant lastTime = null;
        long torn = 0;
        byte[] lastLineHash = Checkpoint.firstPrevious();
        try (LineReader reader = new LineReader(RegularFiles.newInputStream(file, DESCRIPTION), MAX_LINE_BYTES)) {
            LineReader.Line line;
            while ((line = reader.next()) != null) {
                if (!line.terminated()) {
                    torn = line.length();
                    break;
                }
                whole += line.length() + 1;
                if (line.bytes() != null) {
                    lastLineHash = Checkpoint.lineHash(line.bytes());
                }
                Checkpoint checkpoint = parse(file, line);
                if (checkpoint == null) {
                    continue;
                }
                entries.add(new Entry(line.number(), checkpoint));
                if (checkpoint.size() > lastSize) {
                    lastSize = checkpoint.size();
                }
                if (lastTime == null || checkpoint.time().isAfter(lastTime)) {
                    lastTime = checkpoint.time();
                }
            }
        }
        if (torn > 0) {
            try (FileChannel channel = RegularFiles.open(file, DESCRIPTION, EnumSet.of(StandardOpenOption.WRITE))) {
                channel.truncate(whole);
                channel.force(true);
            }
            LOG.warn("Audit checkpoint file {} ended in an incomplete line: cut {} bytes", file, torn);
        }
        entries.sort(Comparator.comparingLong(entry -> entry.checkpoint().size()));
        return new CheckpointFile(file, FileIdentity.of(file), whole, lastSize, lastTime, lastLineHash, entries);
    }

    /**
     * Checks the checkpoints read at open against the open's clock and {@code key}, the key new checkpoints are
     * signed with. Every line's time is checked. Only the signatures of the checkpoints of the largest size are
     * verified: they decide which records the writer takes as covered and which line it chains to, while a forged
     * line below them can only fail the root checks or leave its size unverified, which audit verify reports. A
     * newest checkpoint signed with another key is accepted only when that key is among {@code earlierKeys} and
     * its signature verifies: the writer would otherwise continue on a coverage it cannot check. Call it before the
     * records are read.
     *
     * @param earlierKeys public keys the operator vouches for as earlier audit keys; empty for a normal start
     * @param now the open's current time
     * @return the key id of the earlier key that signed the newest checkpoint, or {@code null} when the current key
     *     signed it or there is none
     * @throws IOException naming the checkpoint line when its time is more than
     *     {@link UncoveredRecords#MAX_CLOCK_AHEAD} after {@code now}, or when a checkpoint of the largest size is
     *     signed by neither {@code key} nor one of {@code earlierKeys}, or its signature does not verify
     */
    public String checkSignatures(AuditPublicKey key, List<AuditPublicKey> earlierKeys, Instant now)
            throws IOException {
        Instant latestAllowed = now.plus(UncoveredRecords.MAX_CLOCK_AHEAD);
        for (Entry entry : recovered) {
            Checkpoint checkpoint = entry.checkpoint();
            if (checkpoint.time().isAfter(latestAllowed)) {
                fail("audit checkpoint at " + file + " line " + entry.line() + " has the time " + checkpoint.time()
                        + ", after " + latestAllowed + ", the current time plus "
                        + UncoveredRecords.MAX_CLOCK_AHEAD.toSeconds() + " s: the clock was stepped back or the"
                        + " line was forged. Correct the clock, or run audit verify on " + file.getParent()
                        + " and restore the log before starting again");
            }
        }
        String earlierKeyId = null;
        for (Entry entry : recovered) {
            Checkpoint checkpoint = entry.checkpoint();
            if (checkpoint.size() != lastSize) {
                continue;
            }
            AuditPublicKey signer = checkpoint.keyId().equals(key.keyId()) ? key : earlierKeys.stream()
                    .filter(earlier -> earlier.keyId().equals(checkpoint.keyId()))
                    .findFirst()
                    .orElse(null);
            if (signer == null) {
                fail("audit checkpoint at " + file + " line " + entry.line() + ", the newest, is signed with key "
                        + checkpoint.keyId() + ", not with the current audit key " + key.keyId() + ", so the gateway"
                        + " cannot check it. After a change of the audit key, verify the log with the earlier public"
                        + " key (audit verify --public-key EARLIER.jwk), then run audit seal --public-key"
                        + " EARLIER.jwk, which records the change and signs a checkpoint with the current key");
            }
            if (!checkpoint.verify(signer)) {
                fail("audit checkpoint at " + file + " line " + entry.line() + " names the audit key "
                        + signer.keyId() + ", but its signature does not verify with that key: the line was forged or"
                        + " changed. Run audit verify on " + file.getParent() + " and restore the log before"
                        + " starting again");
            }
            if (signer != key) {
                earlierKeyId = signer.keyId();
            }
        }
        return earlierKeyId;
    }

    private static void fail(String message) throws IOException {
        LOG.error(message);
        throw new IOException(message);
    }

    /**
     * Compares the root of every checkpoint of {@code tree.size()} records read at open with {@code tree}'s root.
     * Call it after each record recovery adds, so a record changed after it was signed stops the open instead of
     * being covered by the next checkpoint.
     *
     * @throws IOException naming the checkpoint line when a root does not match
     */
    public void checkRoots(MerkleTree.Builder tree) throws IOException {
        while (nextRootCheck < recovered.size() && recovered.get(nextRootCheck).checkpoint().size() <= tree.size()) {
            Entry entry = recovered.get(nextRootCheck++);
            Checkpoint checkpoint = entry.checkpoint();
            if (checkpoint.size() == tree.size() && !MessageDigest.isEqual(checkpoint.root(), tree.root())) {
                String message = "audit checkpoint at " + file + " line " + entry.line() + " has root "
                        + checkpoint.rootHex() + ", but records 1 to " + checkpoint.size() + " have the tree head "
                        + RecordCodec.hex(tree.root()) + ": a record was changed or replaced after the checkpoint was"
                        + " signed. Run audit verify on " + file.getParent() + " and restore the log before starting"
                        + " again";
                LOG.error(message);
                throw new IOException(message);
            }
        }
    }

    /**
     * Checks that no checkpoint read at open covers more than {@code records} records.
     *
     * @param records number of records in the log after its own recovery
     * @throws IOException when one does, which means records were lost or cut after that checkpoint was signed
     */
    public void checkCovers(long records) throws IOException {
        for (Entry entry : recovered) {
            if (entry.checkpoint().size() > records) {
                String message = "audit checkpoint at " + file + " line " + entry.line() + " covers "
                        + entry.checkpoint().size() + " records, but the log holds only " + records + " records:"
                        + " records were lost or cut after the checkpoint was signed. Run audit verify on "
                        + file.getParent() + " and restore the missing records before starting again";
                LOG.error(message);
                throw new IOException(message);
            }
        }
    }

    private static Checkpoint parse(Path file, LineReader.Line line) {
        if (line.bytes() == null) {
            LOG.error("Audit checkpoint file {} line {} is {} bytes long and not a checkpoint; run audit verify",
                    file, line.number(), line.length());
            return null;
        }
        try {
            return Checkpoint.parse(new String(line.bytes(), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            LOG.error("Audit checkpoint file {} line {} is not a valid checkpoint: {}; run audit verify", file,
                    line.number(), e.getMessage());
            return null;
        }
    }

    /** Returns the tree size of the largest checkpoint, 0 when there is none. */
    public long lastSize() {
        return lastSize;
    }

    /** Returns the latest checkpoint time, or {@code null} when there is none. */
    public Instant lastTime() {
        return lastTime;
    }

    /**
     * Checks that the checkpoint file read at open, or created since, is still in place. Costs one {@code stat};
     * safe to call from any thread.
     *
     * @throws IOException naming the file when it was removed, moved away or replaced
     */
    public void checkFile() throws IOException {
        FileIdentity known = identity;
        if (known != null) {
            known.check(DESCRIPTION);
        }
    }

    /** Returns the {@code prev} of the next checkpoint: the SHA-256 of the last durable line, or zeros for none. */
    public byte[] nextPrevious() {
        return lastLineHash.clone();
    }

    /**
     * Appends {@code checkpoint}, whose {@code prev} must be {@link #nextPrevious()}, and forces the file. After a
     * failure the next call first reopens the file and cuts it back to its durable lines.
     */
    public void append(Checkpoint checkpoint) throws IOException {
        if (!Arrays.equals(checkpoint.previous(), lastLineHash)) {
            throw new IllegalArgumentException("checkpoint of " + checkpoint.size()
                    + " records does not chain to the last line of " + file);
        }
        checkFile();
        if (repairNeeded || channel == null) {
            reopen();
        } else if (channel.size() != size) {
            throw changedSize(channel.size());
        }
        byte[] text = checkpoint.toLine().getBytes(StandardCharsets.UTF_8);
        byte[] line = Arrays.copyOf(text, text.length + 1);
        line[text.length] = '\n';
        repairNeeded = true;
        lastLineBytes = line.length;
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        channel.force(false);
        repairNeeded = false;
        size += line.length;
        lastSize = checkpoint.size();
        lastTime = checkpoint.time();
        lastLineHash = Checkpoint.lineHash(text);
        cutReported = false;
    }

    private IOException changedSize(long found) {
        return new IOException(DESCRIPTION + " " + file + " is " + found + " bytes, but this log wrote "
                + size + " bytes of checkpoints to it: another process changed it while the log was open; stop that"
                + " process, run audit verify, and restore the file or restart the gateway");
    }

    private void reopen() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        boolean created = !Files.exists(file);
        FileChannel opened = RegularFiles.open(file, DESCRIPTION, EnumSet.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND), RegularFiles.ownerOnly(file, OWNER_ONLY));
        try {
            long found = opened.size();
            // Only bytes that a failed write of this log's own can have left may be cut. Other bytes come from
            // another process, and audit verify must see them.
            long ownBytes = repairNeeded ? lastLineBytes : 0;
            if (found < size || found > size + ownBytes) {
                throw changedSize(found);
            }
            if (found > size) {
                opened.truncate(size);
                reportCut(found - size);
            }
            opened.force(true);
            identity = FileIdentity.of(file);
        } catch (IOException e) {
            opened.close();
            throw e;
        }
        channel = opened;
        if (created) {
            try (FileChannel directory = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                directory.force(true);
            }
        }
    }

    private void reportCut(long bytes) {
        if (cutReported) {
            LOG.debug("Audit checkpoint file {}: cut {} bytes left by a failed write", file, bytes);
            return;
        }
        cutReported = true;
        LOG.warn("Audit checkpoint file {}: cut {} bytes left by a failed write; later cuts before the next"
                + " checkpoint is written are logged at debug level", file, bytes);
    }

    /**
     * Cuts what a failed write left after the last durable line, when a write failed. Call it only after checking
     * that the log still owns its directory: the bytes after the last durable line are then this log's own.
     */
    public void cutFailedWrite() {
        if (!repairNeeded) {
            return;
        }
        try {
            checkFile();
            reopen();
            repairNeeded = false;
        } catch (IOException e) {
            LOG.warn("Audit checkpoint file {}: could not cut what a failed write left after {} bytes; the next open"
                    + " cuts it: {}", file, size, e.toString());
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
