package dev.agentgateway.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Finds the audit log's segment files for tests that change or limit them. */
public final class AuditSegments {

    private AuditSegments() {
    }

    /**
     * Returns the newest segment, the one appends go to. Segment names carry their first seq zero-padded to 20
     * digits, so the greatest name is the newest.
     */
    public static Path newest(Path auditDirectory) throws IOException {
        try (Stream<Path> files = Files.list(auditDirectory)) {
            return files.filter(file -> file.getFileName().toString().matches("audit-\\d{20}\\.log"))
                    .max(Comparator.comparing(file -> file.getFileName().toString()))
                    .orElseThrow(() -> new IOException("no audit segment in " + auditDirectory));
        }
    }
}
