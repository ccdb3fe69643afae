package dev.agentgateway.bench;

import dev.agentgateway.audit.AppendedRecord;
import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditWriteException;
import dev.agentgateway.audit.CommitObserver;
import dev.agentgateway.audit.FileAuditLog;
import dev.agentgateway.bench.internal.AuditBenchLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Durable audit appends from many threads at once, as request threads append decision records. Each call appends
 * one decision record and waits until it is durable, so the threads' records share the group commits, and the
 * throughput shows how far one fsync per batch carries.
 *
 * <p>The log is written under {@code -Dbench.auditDirectory} (default {@code target/audit-bench} in the working
 * directory) and deleted after the trial. That directory must be on the disk to be measured: on tmpfs an fsync
 * costs nothing. With {@code -t N} JMH runs N threads in place of the default {@value #THREADS}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(AuditAppendBenchmark.THREADS)
@State(Scope.Benchmark)
public class AuditAppendBenchmark {

    /** Default number of appending threads: enough that several records wait for every fsync. */
    static final int THREADS = 16;
    private static final String DIRECTORY_PROPERTY = "bench.auditDirectory";

    private Path directory;
    private FileAuditLog log;
    private final AtomicLong requestIds = new AtomicLong();

    /** Opens a new, empty log for the trial. */
    @Setup(Level.Trial)
    public void openLog() throws IOException {
        Path parent = Path.of(System.getProperty(DIRECTORY_PROPERTY, "target/audit-bench"));
        directory = AuditBenchLog.newRunDirectory(parent, "append-");
        log = AuditBenchLog.open(directory, CommitObserver.NONE);
        System.out.println("# audit log in " + directory.toAbsolutePath());
    }

    /** Closes the log, which drains what is still queued, and deletes it. */
    @TearDown(Level.Trial)
    public void closeLog() throws IOException {
        System.out.println("# records appended: " + log.lastDurableSequence());
        log.close();
        AuditBenchLog.delete(directory);
    }

    /** Per-thread event, built once, so the measured call is the append alone. */
    @State(Scope.Thread)
    public static class ThreadEvent {

        private AuditEvent event;

        @Setup(Level.Trial)
        public void buildEvent(AuditAppendBenchmark benchmark) {
            event = AuditBenchLog.decision("bench-" + benchmark.requestIds.incrementAndGet());
        }
    }

    @Benchmark
    public AppendedRecord durableAppend(ThreadEvent thread) throws AuditWriteException {
        return log.append(thread.event);
    }
}
