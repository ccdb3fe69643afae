package dev.agentgateway.gateway.demo;

import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Reads the gateway's audit log and formats it as one readable line per record. */
final class AuditTrail {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final List<String> HEADINGS = List.of("seq", "time", "type", "principal", "tool", "method",
            "path", "decision", "rule", "status");

    private AuditTrail() {
    }

    /**
     * One audit record as the demo shows it; {@code null} fields did not apply to the record.
     *
     * @param principal the principal's subject without its issuer, {@code anonymous}, or {@code null} for a request
     *     whose credentials failed verification
     */
    record Entry(long sequence, String id, Instant time, String type, String principal, String tool, String method,
            String path, String decision, String rule, Integer status) {
    }

    /**
     * Reads every record in {@code directory} in log order. The hash chain is not checked here:
     * {@link dev.agentgateway.audit.AuditVerifier} does that.
     *
     * @throws IOException when the log cannot be read or a line is not a well-formed record
     */
    static List<Entry> read(Path directory) throws IOException {
        try (AuditRecords records = AuditRecords.open(directory)) {
            List<Entry> entries = new ArrayList<>();
            for (AuditRecord record = records.next(); record != null; record = records.next()) {
                entries.add(toEntry(record));
            }
            return entries;
        }
    }

    private static Entry toEntry(AuditRecord record) {
        AuditEvent event = record.event();
        return new Entry(record.sequence(), record.id(), record.time(), event.type().wireName(),
                subjectOf(event.principal()), event.tool(), event.method(), event.path(), event.decision(),
                event.rule(), event.status());
    }

    /** Returns the subject of a principal display name such as {@code alice (https://idp.example)}. */
    private static String subjectOf(String principal) {
        if (principal == null) {
            return null;
        }
        int issuerStart = principal.lastIndexOf(" (");
        return issuerStart > 0 && principal.endsWith(")") ? principal.substring(0, issuerStart) : principal;
    }

    /** Formats {@code entries} as aligned rows under a heading row; absent values print as {@code -}. */
    static List<String> format(List<Entry> entries) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADINGS);
        for (Entry entry : entries) {
            rows.add(List.of(
                    Long.toString(entry.sequence()),
                    entry.time() == null ? "-" : TIME.format(entry.time()),
                    orDash(entry.type()),
                    orDash(entry.principal()),
                    orDash(entry.tool()),
                    orDash(entry.method()),
                    orDash(entry.path()),
                    orDash(entry.decision()),
                    orDash(entry.rule()),
                    entry.status() == null ? "-" : entry.status().toString()));
        }
        return align(rows);
    }

    private static List<String> align(List<List<String>> rows) {
        int[] widths = new int[HEADINGS.size()];
        for (List<String> row : rows) {
            for (int column = 0; column < widths.length; column++) {
                widths[column] = Math.max(widths[column], row.get(column).length());
            }
        }
        Function<List<String>, String> render = row -> {
            StringBuilder line = new StringBuilder();
            for (int column = 0; column < widths.length; column++) {
                String cell = row.get(column);
                line.append(cell);
                if (column < widths.length - 1) {
                    line.append(" ".repeat(widths[column] - cell.length() + 2));
                }
            }
            return line.toString();
        };
        return rows.stream().map(render).toList();
    }

    /** Returns {@code value} with control characters escaped as {@code \\uXXXX}, or {@code -} when absent. */
    private static String orDash(String value) {
        if (value == null || value.isEmpty()) {
            return "-";
        }
        StringBuilder printable = new StringBuilder(value.length());
        value.codePoints().forEach(codePoint -> {
            if (Character.isISOControl(codePoint)) {
                printable.append(String.format("\\u%04x", codePoint));
            } else {
                printable.appendCodePoint(codePoint);
            }
        });
        return printable.toString();
    }
}
