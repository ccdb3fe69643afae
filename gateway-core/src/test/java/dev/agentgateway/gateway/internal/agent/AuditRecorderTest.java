package dev.agentgateway.gateway.internal.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.audit.AppendedRecord;
import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditLog;
import dev.agentgateway.audit.AuditWriteException;
import dev.agentgateway.gateway.internal.metrics.GatewayMetrics;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AuditRecorderTest {

    private final ExecutorService writer = Executors.newSingleThreadExecutor(task -> new Thread(task, "writer"));
    private final ExecutorService eventLoop = Executors.newSingleThreadExecutor(task -> new Thread(task, "loop"));
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final AtomicBoolean failing = new AtomicBoolean();
    /**
     * Holds the writer until the test has attached its callback. Otherwise the append may finish first, and a
     * callback attached to a completed future runs on the attaching thread, not on the continuation executor.
     */
    private final CountDownLatch release = new CountDownLatch(1);

    /** A log whose futures complete on its own writer thread, as a group-committing log's do. */
    private final AuditLog log = new AuditLog() {
        @Override
        public CompletableFuture<AppendedRecord> appendAsync(AuditEvent event) {
            return CompletableFuture.supplyAsync(() -> {
                awaitRelease();
                if (failing.get()) {
                    throw new CompletionException(new AuditWriteException("disk full", null));
                }
                return new AppendedRecord(1, "r1", "0".repeat(64));
            }, writer);
        }

        @Override
        public void checkWritable() {
        }

        @Override
        public long lastDurableSequence() {
            return 0;
        }

        @Override
        public void close() {
        }
    };

    private final AuditRecorder recorder = new AuditRecorder(log, metrics, Clock.systemUTC());

    @AfterEach
    void stop() throws Exception {
        recorder.close();
        writer.shutdownNow();
        eventLoop.shutdownNow();
    }

    @Test
    void appendContinuesOnGivenExecutor() throws Exception {
        AtomicReference<String> thread = new AtomicReference<>();

        CompletableFuture<AppendedRecord> observed = recorder.append(event(), eventLoop)
                .whenComplete((appended, error) -> thread.set(Thread.currentThread().getName()));
        release.countDown();
        AppendedRecord record = observed.get();

        assertThat(record.sequence()).isEqualTo(1);
        assertThat(thread.get()).isEqualTo("loop");
    }

    @Test
    void failureContinuesOnGivenExecutor() throws Exception {
        failing.set(true);
        AtomicReference<String> thread = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();

        CompletableFuture<Object> observed = recorder.append(event(), eventLoop).handle((appended, error) -> {
            thread.set(Thread.currentThread().getName());
            failure.set(error);
            return null;
        });
        release.countDown();
        observed.get();

        assertThat(thread.get()).isEqualTo("loop");
        assertThat(failure.get()).isInstanceOf(AuditWriteException.class).hasMessage("disk full");
        assertThat(recorder.writable()).isFalse();
        assertThat(metrics.scrape()).contains("gateway_audit_failures_total{type=\"decision\"} 1.0");
    }

    @Test
    void successAfterFailureMarksWritable() throws Exception {
        release.countDown();
        failing.set(true);
        recorder.append(event(), eventLoop).handle((appended, error) -> null).get();
        failing.set(false);

        recorder.append(event(), eventLoop).get();

        assertThat(recorder.writable()).isTrue();
    }

    private void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        }
    }

    private static AuditEvent event() {
        return AuditEvent.builder(AuditEventType.DECISION, "req-1").decision("allow").build();
    }
}
