package dev.agentgateway.gateway.demo;

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
     * @param principal the principal's subject without its issuer, or {@code anonymous}
     */
    record Entry(long sequence, String id, Instant time, String type, String principal, String tool, String method,
            String path, String decision, String rule, Integer status) {
    }

    static List<Entry> read(Path directory) {
        throw new UnsupportedOperationException("TODO");
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
