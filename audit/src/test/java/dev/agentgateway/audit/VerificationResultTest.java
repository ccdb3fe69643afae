package dev.agentgateway.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VerificationResultTest {

    @Test
    void summaryAllCovered() {
        assertThat(VerificationResult.valid(6, 2, 6, "limits").summary())
                .isEqualTo("audit log valid: 6 records, 2 checkpoints, 6 covered by the last checkpoint");
    }

    @Test
    void summarySingularCounts() {
        assertThat(VerificationResult.valid(1, 1, 1, "limits").summary())
                .isEqualTo("audit log valid: 1 record, 1 checkpoint, 1 covered by the last checkpoint");
    }

    @Test
    void summaryNamesUncoveredRecords() {
        assertThat(VerificationResult.valid(10, 1, 9, "limits").summary())
                .isEqualTo("audit log valid: 10 records, 1 checkpoint, 9 covered by the last checkpoint,"
                        + " 1 not yet covered");
    }

    @Test
    void summaryWithoutCheckpoints() {
        assertThat(VerificationResult.valid(3, 0, 0, "limits").summary())
                .isEqualTo("audit log valid: 3 records, 0 checkpoints, 0 covered by the last checkpoint,"
                        + " 3 not yet covered");
    }
}
