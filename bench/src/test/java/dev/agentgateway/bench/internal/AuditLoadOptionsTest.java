package dev.agentgateway.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AuditLoadOptionsTest {

    @Test
    void unknownOptionWithoutValue() {
        assertThatThrownBy(() -> AuditLoadOptions.parse(new String[] {"--bogus"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown option --bogus (expected: --rate,");
    }

    @Test
    void unknownOptionWithValue() {
        assertThatThrownBy(() -> AuditLoadOptions.parse(new String[] {"--rate", "10", "--bogus", "1"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown option --bogus");
    }

    @Test
    void knownOptionMissingValue() {
        assertThatThrownBy(() -> AuditLoadOptions.parse(new String[] {"--seconds"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--seconds: missing value (expected: --seconds VALUE)");
    }

    @Test
    void parsesEveryOption() {
        AuditLoadOptions options = AuditLoadOptions.parse(new String[] {"--rate", "100", "--seconds", "2",
            "--warmup-seconds", "1", "--threads", "2", "--max-in-flight", "50", "--directory", "d"});

        assertThat(options).isEqualTo(new AuditLoadOptions(100, 2, 1, 2, 50, Path.of("d")));
    }

    @Test
    void usageNamesDirectoryRule() {
        assertThat(AuditLoadOptions.USAGE).contains("must not contain a log (audit-*.log files)");
    }
}
