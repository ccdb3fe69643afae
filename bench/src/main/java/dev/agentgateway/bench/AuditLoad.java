package dev.agentgateway.bench;

import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.FileAuditLog;
import dev.agentgateway.bench.internal.AuditBenchLog;
import dev.agentgateway.bench.internal.AuditLoadOptions;
import dev.agentgateway.bench.internal.CommitStatistics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Load command for the file audit log: sender threads call {@link FileAuditLog#appendAsync} at a fixed rate or as
 * fast as the log takes records, for a fixed time. It prints the durable records per second, the group commit
 * batch sizes and fsync times, and the percentiles of the queue-to-durable latency, measured from the
 * {@code appendAsync} call to the completion of its future. See {@link AuditLoadOptions#USAGE} for the options.
 *
 * <p>At a fixed rate each sender keeps its own schedule. When a sender falls behind (because {@code --max-in-flight}
 * records are waiting, or the machine is busy) it sends late records at once, and the largest delay is printed,
 * so a run that did not offer its rate shows it.
 */
public final class AuditLoad {

    private static final long DRAIN_TIMEOUT_SECONDS = 120;
    private static final int EXIT_USAGE = 2;

    private final AuditLoadOptions options;
    private final FileAuditLog log;
    private final CommitStatistics statistics;
    private final Semaphore inFlight;
    private final AtomicLong maxLagNanos = new AtomicLong();

    private AuditLoad(AuditLoadOptions options, FileAuditLog log, CommitStatistics statistics) {
        this.options = options;
        this.log = log;
        this.statistics = statistics;
        this.inFlight = new Semaphore(options.maxInFlight());
    }

    public static void main(String[] args) throws Exception {
        AuditLoadOptions options;
        try {
            options = AuditLoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("audit load: " + e.getMessage());
            System.err.print(AuditLoadOptions.USAGE);
            System.exit(EXIT_USAGE);
            return;
        }
        if (options == null) {
            System.out.print(AuditLoadOptions.USAGE);
            return;
        }
        System.exit(run(options, System.out, System.err));
    }

    /**
     * Runs the load described by {@code options} and prints the figures to {@code out}, or one line to {@code err}
     * when the directory cannot be used.
     *
     * @return 0; 1 when appends failed or the log cannot be opened, for example because a running gateway has
     *     locked the directory; 2 when {@code --directory} already contains a log
     */
    static int run(AuditLoadOptions options, PrintStream out, PrintStream err) throws InterruptedException {
        try {
            if (options.directory() != null) {
                List<String> segments = segmentFiles(options.directory());
                if (!segments.isEmpty()) {
                    err.println("audit load: " + options.directory() + " already contains an audit log ("
                            + segments.get(0) + (segments.size() > 1 ? " and " + (segments.size() - 1) + " more" : "")
                            + "), which synthetic records must not enter (expected: a new or empty --directory)");
                    return EXIT_USAGE;
                }
            }
            return load(options, out);
        } catch (IOException e) {
            err.println("audit load: " + errorMessage(e));
            return 1;
        }
    }

    /** Returns the names of the segment files ({@code audit-*.log}) in {@code directory}, sorted. */
    private static List<String> segmentFiles(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "audit-*.log")) {
            for (Path entry : entries) {
                names.add(entry.getFileName().toString());
            }
        }
        names.sort(null);
        return names;
    }

    /** Returns the message of {@code e}, adding the reason that file system exceptions often leave out. */
    private static String errorMessage(IOException e) {
        if (e instanceof FileSystemException fileError && fileError.getReason() == null) {
            return fileError.getFile() + ": " + e.getClass().getSimpleName();
        }
        return e.getMessage();
    }

    private static int load(AuditLoadOptions options, PrintStream out) throws IOException, InterruptedException {
        Path directory = options.directory() != null
                ? Files.createDirectories(options.directory())
                : AuditBenchLog.newRunDirectory(AuditLoadOptions.DEFAULT_PARENT, "run-");
        CommitStatistics statistics = new CommitStatistics();
        out.println(describe(options));
        out.println("audit log: " + directory.toAbsolutePath());

        long elapsedNanos;
        long lastSequence;
        AuditLoad load;
        try (FileAuditLog log = AuditBenchLog.open(directory, statistics)) {
            if (options.warmupSeconds() > 0) {
                out.println("warming up for " + options.warmupSeconds() + " s");
                new AuditLoad(options, log, statistics).offer(options.warmupSeconds());
                statistics.reset();
            }
            load = new AuditLoad(options, log, statistics);
            elapsedNanos = load.offer(options.seconds());
            lastSequence = log.lastDurableSequence();
        }
        load.print(elapsedNanos, lastSequence, out);
        return statistics.failed() == 0 ? 0 : 1;
    }

    private static String describe(AuditLoadOptions options) {
        String rate = options.fixedRate() ? options.rate() + " records/s" : "max rate";
        return String.format(Locale.ROOT, "audit load: %s for %d s, %d sender thread(s), at most %d in flight", rate,
                options.seconds(), options.threads(), options.maxInFlight());
    }

    /** Runs the senders, waits until every record is durable or failed, and returns the elapsed time. */
    private long offer(int seconds) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < options.threads(); i++) {
            int index = i;
            Thread sender = new Thread(() -> send(index, start, end), "audit-load-" + i);
            sender.start();
            senders.add(sender);
        }
        for (Thread sender : senders) {
            sender.join();
        }
        if (!inFlight.tryAcquire(options.maxInFlight(), DRAIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("records still not durable " + DRAIN_TIMEOUT_SECONDS
                    + " s after the last append");
        }
        return System.nanoTime() - start;
    }

    private void send(int index, long start, long end) {
        double intervalNanos = options.fixedRate() ? 1e9 * options.threads() / options.rate() : 0;
        long offset = (long) (intervalNanos * index / options.threads());
        for (long k = 0; ; k++) {
            long scheduled = start + offset + (long) (k * intervalNanos);
            // At a fixed rate every record scheduled before the end is sent, late ones too, so a slow start shows
            // up as lag instead of as fewer records. At the maximum rate the clock alone ends the run.
            if (scheduled >= end || (!options.fixedRate() && System.nanoTime() >= end)) {
                return;
            }
            waitUntil(scheduled);
            inFlight.acquireUninterruptibly();
            long queued = System.nanoTime();
            if (options.fixedRate()) {
                maxLagNanos.accumulateAndGet(queued - scheduled, Math::max);
            }
            append(AuditBenchLog.decision("load-" + index + "-" + k), queued);
        }
    }

    private void append(AuditEvent event, long queued) {
        log.appendAsync(event).whenComplete((record, failure) -> {
            if (failure == null) {
                statistics.appendDurable(System.nanoTime() - queued);
            } else {
                statistics.appendFailed();
            }
            inFlight.release();
        });
    }

    private static void waitUntil(long nanoTime) {
        for (long wait = nanoTime - System.nanoTime(); wait > 0; wait = nanoTime - System.nanoTime()) {
            LockSupport.parkNanos(wait);
        }
    }

    private void print(long elapsedNanos, long lastSequence, PrintStream out) {
        double seconds = elapsedNanos / 1e9;
        out.printf(Locale.ROOT, "records: %d durable, %d failed, %.1f durable records/s over %.2f s; last seq %d%n",
                statistics.durable(), statistics.failed(), statistics.durable() / seconds, seconds, lastSequence);
        if (options.fixedRate()) {
            out.printf(Locale.ROOT, "schedule: senders fell behind by at most %.3f ms%n", millis(maxLagNanos.get()));
        }
        printBatches(statistics, out);
        Histogram latency = statistics.latencies();
        out.printf(Locale.ROOT, "queue-to-durable latency (ms): p50 %.3f, p99 %.3f, p99.9 %.3f, max %.3f%n",
                millis(latency.getValueAtPercentile(50)), millis(latency.getValueAtPercentile(99)),
                millis(latency.getValueAtPercentile(99.9)), millis(latency.getMaxValue()));
    }

    private static void printBatches(CommitStatistics statistics, PrintStream out) {
        Histogram batches = statistics.batches();
        if (batches.getTotalCount() == 0) {
            out.println("batches: none reported");
            return;
        }
        Histogram syncs = statistics.syncs();
        out.printf(Locale.ROOT, "batches: %d group commits (%d failed), records per batch mean %.1f, p50 %d, p99 %d,"
                        + " max %d; fsync p50 %.3f ms, p99 %.3f ms%n", batches.getTotalCount(),
                statistics.batchFailures(), batches.getMean(), batches.getValueAtPercentile(50),
                batches.getValueAtPercentile(99), batches.getMaxValue(), millis(syncs.getValueAtPercentile(50)),
                millis(syncs.getValueAtPercentile(99)));
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
