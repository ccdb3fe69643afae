package dev.agentgateway.audit;

import java.io.IOException;
import java.nio.file.Path;

/** Checks an audit log's hash chain offline. */
public final class AuditVerifier {

    private AuditVerifier() {
    }

    /** Verifies every record in {@code directory}; throws only when the directory cannot be read. */
    public static VerificationResult verify(Path directory) throws IOException {
        throw new UnsupportedOperationException("TODO");
    }
}
