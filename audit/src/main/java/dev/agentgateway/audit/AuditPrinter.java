package dev.agentgateway.audit;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Formats audit records for terminals and log pipelines. Record values are attacker-influenced (paths, principal
 * names, denial reasons), so neither form lets a control character, an escape sequence, a line break or a
 * bidirectional override reach the output.
 *
 * <p>The readable form is one line per record: time, {@code #seq}, type, then decision, principal, tool, method
 * and path when present, then the other members as {@code name=value}. {@link #escape} escapes every value.
 *
 * <p>The JSON form is the record as a JSON object whose characters outside printable ASCII are all written as
 * <code>&#92;uXXXX</code> escapes: still valid JSON with the same content, but pure printable ASCII.
 */
public final class AuditPrinter {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private AuditPrinter() {
    }

    /** Returns the readable one-line form of {@code record}, without a line end. */
    public static String readable(AuditRecord record) {
        AuditEvent event = record.event();
        StringBuilder line = new StringBuilder(160);
        line.append(TIME.format(record.time())).append(" #").append(record.sequence())
                .append(' ').append(event.type().wireName());
        appendValue(line, event.decision());
        appendValue(line, event.principal());
        appendValue(line, event.tool());
        appendValue(line, event.method());
        appendValue(line, event.path());
        appendMember(line, "actor", event.actor());
        appendMember(line, "rule", event.rule());
        appendMember(line, "missing_authority", event.missingAuthority());
        appendMember(line, "status", event.status());
        appendMember(line, "response_bytes", event.responseBytes());
        appendMember(line, "duration_ms", event.durationMillis());
        appendMember(line, "reason", event.reason());
        appendMember(line, "request_id", event.requestId());
        appendMember(line, "decision_record", event.decisionRecordId());
        return line.toString();
    }

    private static void appendValue(StringBuilder line, String value) {
        if (value != null) {
            line.append(' ').append(escape(value));
        }
    }

    private static void appendMember(StringBuilder line, String name, Object value) {
        if (value != null) {
            line.append(' ').append(name).append('=').append(escape(value.toString()));
        }
    }

    /**
     * Returns the JSON form of {@code record}: its stored line with every character outside printable ASCII
     * escaped, without a line end.
     */
    public static String json(AuditRecord record) {
        return asciiJson(record.line());
    }

    /**
     * Returns the JSON text {@code json} with every character outside printable ASCII (U+0020 to U+007E) written
     * as a <code>&#92;uXXXX</code> escape, one per UTF-16 unit. Such characters can only occur inside JSON strings,
     * so the result is valid JSON with the same content.
     */
    public static String asciiJson(String json) {
        StringBuilder out = new StringBuilder(json.length() + 16);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                out.append(c);
            } else {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    /**
     * Returns {@code text} safe to print on a terminal. A backslash becomes {@code \\}. C0 controls and DEL become
     * {@code \xNN}. Every other code point that does not print as a visible glyph becomes <code>&#92;u{XXXX}</code>:
     * C1 controls, U+2028 and U+2029, format characters (bidirectional controls such as U+202E and U+2066 to
     * U+2069, zero-width characters), spaces other than U+0020, private-use, unassigned and lone surrogate code
     * points. Everything else, letters of any script included, is kept.
     */
    public static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        int i = 0;
        while (i < text.length()) {
            int codePoint = text.codePointAt(i);
            i += Character.charCount(codePoint);
            if (codePoint == '\\') {
                out.append("\\\\");
            } else if (codePoint < 0x20 || codePoint == 0x7F) {
                out.append(String.format(Locale.ROOT, "\\x%02x", codePoint));
            } else if (codePoint < 0x7F) {
                out.append((char) codePoint);
            } else if (printable(codePoint)) {
                out.appendCodePoint(codePoint);
            } else {
                out.append(String.format(Locale.ROOT, "\\u{%04x}", codePoint));
            }
        }
        return out.toString();
    }

    /** Returns whether {@code codePoint}, above U+007E, shows as a visible glyph and moves no text around. */
    private static boolean printable(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                    Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }
}
