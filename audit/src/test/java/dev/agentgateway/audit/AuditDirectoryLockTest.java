package dev.agentgateway.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditDirectoryLockTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path directory;

    @Test
    void otherProcessSeesDirectoryLocked() throws Exception {
        try (FileAuditLog log = AuditFixtures.open(directory, CLOCK)) {
            log.append(AuditFixtures.decision("req-1"));
            // Reading the log through another descriptor, as readers and verification do, must not drop the lock.
            try (InputStream in = Files.newInputStream(AuditFixtures.segment(directory, 1))) {
                in.readAllBytes();
            }

            assertThat(probe()).isEqualTo(LockProbe.LOCKED_ELSEWHERE);
        }
        assertThat(probe()).isZero();
    }

    /** Runs {@link LockProbe} in a new JVM and returns its exit code. */
    private int probe() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                LockProbe.class.getName(), directory.toString())
                .redirectErrorStream(true)
                .start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("lock probe finished").isTrue();
        return process.exitValue();
    }
}
