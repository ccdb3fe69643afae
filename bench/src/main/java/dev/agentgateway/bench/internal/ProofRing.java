package dev.agentgateway.bench.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.openjdk.jmh.infra.IterationParams;

/**
 * DPoP proofs signed ahead of a measurement, each with its own {@code jti}, handed out once each. The replay cache
 * rejects a proof the second time it is seen, so a benchmark that reused proofs would measure rejections. Not
 * thread-safe: use one ring per benchmark thread.
 *
 * <p>A ring is sized for one iteration from the cost of signing a proof. Every measured call checks at least one
 * ES256 signature with the same JCA provider, and checking an ECDSA P-256 signature is slower than creating one
 * (OpenSSL 3.0's {@code speed} test verifies at about a third of its signing rate). So a thread completes fewer
 * calls per second than it signs proofs, and the ring contains {@link #SAFETY_FACTOR} times as many proofs as the
 * thread signs in the iteration's time. The signing cost is measured in thread CPU time, so other load on the
 * machine while the ring is signed makes the ring no smaller. A provider that verified faster than it signs would
 * exhaust the ring, which fails the run rather than skews it.
 */
public final class ProofRing {

    /** System property that replaces the estimate with a fixed number of proofs per second of iteration. */
    public static final String RATE_PROPERTY = "bench.maxProofsPerSecond";

    private static final int SAFETY_FACTOR = 2;
    private static final int CALIBRATION_PROOFS = 200;
    private static final int MIN_SIZE = 1_000;

    private final List<String> proofs;
    private final long rate;
    private int next;

    private ProofRing(List<String> proofs, long rate) {
        this.proofs = proofs;
        this.rate = rate;
    }

    /**
     * Signs enough proofs for one iteration. Signing runs on every core, because a ring for a few seconds can hold
     * tens of thousands of proofs.
     *
     * @param iterationTime length of the iteration the ring is for
     * @param newProof signs one new proof with a fresh {@code jti}; called from several threads at once
     */
    public static ProofRing forIteration(Duration iterationTime, Supplier<String> newProof) {
        Objects.requireNonNull(iterationTime, "iterationTime");
        Objects.requireNonNull(newProof, "newProof");
        List<String> proofs = new ArrayList<>();
        long rate = configuredRate();
        if (rate == 0) {
            rate = SAFETY_FACTOR * signingRate(newProof, proofs);
        }
        long size = Math.max(MIN_SIZE, Math.max(1, iterationTime.toMillis()) * rate / 1000);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a proof ring of " + size + " proofs is too large (expected: at most "
                    + Integer.MAX_VALUE + "); shorten the iteration or lower -D" + RATE_PROPERTY);
        }
        IntStream.range(proofs.size(), (int) size)
                .parallel()
                .mapToObj(i -> newProof.get())
                .forEachOrdered(proofs::add);
        return new ProofRing(List.copyOf(proofs), rate);
    }

    /** Signs enough proofs for the JMH iteration {@code iteration}, as {@link #forIteration(Duration, Supplier)}. */
    public static ProofRing forIteration(IterationParams iteration, Supplier<String> newProof) {
        return forIteration(Duration.ofMillis(iteration.getTime().convertTo(TimeUnit.MILLISECONDS)), newProof);
    }

    /** Returns the rate set with {@value #RATE_PROPERTY}, or 0 when it is not set. */
    private static long configuredRate() {
        String value = System.getProperty(RATE_PROPERTY);
        if (value == null) {
            return 0;
        }
        try {
            long rate = Long.parseLong(value.strip());
            if (rate > 0) {
                return rate;
            }
        } catch (NumberFormatException e) {
            // Reported below, together with values that are not positive.
        }
        throw new IllegalArgumentException("-D" + RATE_PROPERTY + "=" + value + " is invalid (expected: a positive "
                + "number of proofs per second)");
    }

    /**
     * Returns how many proofs per second this thread signs, measured in thread CPU time on the second half of a
     * sample, after the first half warmed up the signing code. The sample proofs are added to {@code proofs}.
     */
    private static long signingRate(Supplier<String> newProof, List<String> proofs) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isCurrentThreadCpuTimeSupported()) {
            throw new IllegalStateException("thread CPU time is not available in this JVM, so the proof ring cannot "
                    + "be sized; set -D" + RATE_PROPERTY + "=N with -jvmArgsAppend");
        }
        for (int i = 0; i < CALIBRATION_PROOFS / 2; i++) {
            proofs.add(newProof.get());
        }
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < CALIBRATION_PROOFS / 2; i++) {
            proofs.add(newProof.get());
        }
        long nanos = Math.max(1, threads.getCurrentThreadCpuTime() - start);
        return Math.max(1, (CALIBRATION_PROOFS / 2) * 1_000_000_000L / nanos);
    }

    /**
     * Returns the next unused proof.
     *
     * @throws IllegalStateException when every proof is used; the iteration then ran faster than the ring was sized
     *     for, and its result would be wrong
     */
    public String next() {
        if (next == proofs.size()) {
            throw new IllegalStateException("all " + proofs.size() + " pre-signed DPoP proofs of this iteration are "
                    + "used, so the ring sized for " + rate + " calls per second was too small; set a higher rate"
                    + " with -jvmArgsAppend -D" + RATE_PROPERTY + "=N");
        }
        return proofs.get(next++);
    }
}
