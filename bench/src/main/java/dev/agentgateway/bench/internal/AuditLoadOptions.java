package dev.agentgateway.bench.internal;

import java.nio.file.Path;
import java.util.Set;

/**
 * Command line options of the audit load command.
 *
 * @param rate records per second to offer, or 0 for as many as the log takes
 * @param seconds how long to offer records
 * @param threads sender threads, each offering {@code rate / threads} records per second
 * @param maxInFlight bound on records appended but not yet durable; a sender waits when it is reached
 * @param directory log directory, or {@code null} for a new directory under {@link #DEFAULT_PARENT}
 */
public record AuditLoadOptions(long rate, int seconds, int warmupSeconds, int threads, int maxInFlight,
        Path directory) {

    private static final Set<String> VALUE_OPTIONS = Set.of("--rate", "--seconds", "--warmup-seconds", "--threads",
            "--max-in-flight", "--directory");

    /** Parent of the run directories created when {@code --directory} is not given. */
    public static final Path DEFAULT_PARENT = Path.of("target", "audit-load");

    public static final String USAGE = """
            Usage: java -cp bench/target/benchmarks.jar dev.agentgateway.bench.AuditLoad [options]

            Appends decision records to a file audit log with FileAuditLog.appendAsync and prints the durable
            records per second, the group commit batch sizes and the queue-to-durable latency percentiles.

              --rate N|max        records per second to offer, or max for as many as the log takes (default max)
              --seconds N         how long to offer records, 1..3600 (default 10)
              --warmup-seconds N  offer records at the same rate for N seconds first and leave them out of
                                  the figures, 0..600 (default 0), so JIT compilation does not count
              --threads N         sender threads, 1..256 (default 1 with --rate N, 4 with --rate max)
              --max-in-flight N   records appended but not yet durable before a sender waits, 1..10000000
                                  (default 65536)
              --directory DIR     audit directory, which must not contain a log (audit-*.log files) yet, so
                                  that synthetic records never enter a real log; the audit key is the file
                                  audit-key.jwk beside DIR, created when missing (default: a new directory
                                  under target/audit-load)
              --help              print this text
            """;

    public AuditLoadOptions {
        if (rate < 0) {
            throw new IllegalArgumentException("--rate: " + rate + " (expected: a positive number or max)");
        }
        if (rate > 0 && rate < threads) {
            throw new IllegalArgumentException("--rate: " + rate + " is below --threads " + threads
                    + " (expected: at least one record per second per thread)");
        }
    }

    /**
     * Parses {@code args}.
     *
     * @return the options, or {@code null} when {@code --help} was given
     * @throws IllegalArgumentException naming the option and the expected value when an argument is invalid
     */
    public static AuditLoadOptions parse(String[] args) {
        long rate = 0;
        int seconds = 10;
        int warmupSeconds = 0;
        Integer threads = null;
        int maxInFlight = 65_536;
        Path directory = null;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--help")) {
                return null;
            }
            // Checked before the value, so that a misspelled option is not reported as missing its value.
            if (!VALUE_OPTIONS.contains(option)) {
                throw new IllegalArgumentException("unknown option " + option
                        + " (expected: --rate, --seconds, --warmup-seconds, --threads, --max-in-flight,"
                        + " --directory or --help)");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(option + ": missing value (expected: " + option + " VALUE)");
            }
            String value = args[++i];
            switch (option) {
                case "--rate" -> rate = value.equals("max") ? 0 : rate(value);
                case "--seconds" -> seconds = (int) number(option, value, 1, 3600);
                case "--warmup-seconds" -> warmupSeconds = (int) number(option, value, 0, 600);
                case "--threads" -> threads = (int) number(option, value, 1, 256);
                case "--max-in-flight" -> maxInFlight = (int) number(option, value, 1, 10_000_000);
                case "--directory" -> directory = Path.of(value);
                default -> throw new IllegalStateException("option " + option + " has no case");
            }
        }
        if (threads == null) {
            threads = rate > 0 ? 1 : 4;
        }
        return new AuditLoadOptions(rate, seconds, warmupSeconds, threads, maxInFlight, directory);
    }

    private static long rate(String value) {
        try {
            return number("--rate", value, 1, 100_000_000);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace(")", " or max)"), e);
        }
    }

    private static long number(String option, String value, long min, long max) {
        long number;
        try {
            number = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": \"" + value + "\" is not a whole number (expected: "
                    + min + ".." + max + ")");
        }
        if (number < min || number > max) {
            throw new IllegalArgumentException(option + ": " + number + " is out of range (expected: " + min + ".."
                    + max + ")");
        }
        return number;
    }

    /** Returns whether records are offered at a fixed rate rather than as fast as the log takes them. */
    public boolean fixedRate() {
        return rate > 0;
    }
}
