package dev.agentgateway.audit.internal;

import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Encodes audit records as RFC 8785 canonical JSON lines and decodes them back. Decoding accepts only lines that
 * re-encode to the same bytes, so any edit that changes member order, spacing, escaping or number form is caught.
 *
 * <p>Members appear in RFC 8785 order (by name). The writer fills in {@code prev}, {@code seq} and {@code time}
 * only once it has the chain head, so {@link #encodeEvent} encodes everything else on the caller's thread and
 * marks where those three members go; {@link #writeRecord} then copies the parts around them.
 */
public final class RecordCodec {

    /** Maximum length of one record without its newline. Appends of longer records are rejected. */
    public static final int MAX_LINE_BYTES = 1 << 20;

    /** The {@code prev} of the first record. */
    public static final String FIRST_PREV = "0".repeat(64);

    private static final DateTimeFormatter TIME_FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern HASH_PATTERN = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern TIME_PATTERN =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] PREV_NAME = ascii("\"prev\":\"");
    private static final byte[] SEQ_NAME = ascii("\"seq\":");
    private static final byte[] TIME_NAME = ascii("\"time\":\"");

    /**
     * Bytes a record adds to its encoded event at least: braces, {@code prev}, a one-digit {@code seq} and
     * {@code time}, less the encoded event's trailing comma. Each further digit of {@code seq} adds one byte.
     */
    public static final int MIN_RECORD_OVERHEAD = 1 + PREV_NAME.length + 64 + 2 + SEQ_NAME.length + 1 + 1
            + TIME_NAME.length + 24 + 2 - 1 + 1;

    // Event members in RFC 8785 order, split where id, prev, seq and time go.
    private static final List<Member> BEFORE_ID = List.of(
            Member.text("actor", AuditEvent::actor, AuditEvent.Builder::actor),
            Member.text("decision", AuditEvent::decision, AuditEvent.Builder::decision),
            Member.text("decision_record", AuditEvent::decisionRecordId, AuditEvent.Builder::decisionRecordId),
            Member.int64("duration_ms", AuditEvent::durationMillis, AuditEvent.Builder::durationMillis));
    private static final List<Member> BEFORE_PREV = List.of(
            Member.text("jkt", AuditEvent::keyThumbprint, AuditEvent.Builder::keyThumbprint),
            Member.text("method", AuditEvent::method, AuditEvent.Builder::method),
            Member.text("missing_authority", AuditEvent::missingAuthority, AuditEvent.Builder::missingAuthority),
            Member.text("path", AuditEvent::path, AuditEvent.Builder::path));
    private static final List<Member> BEFORE_SEQ = List.of(
            Member.text("principal", AuditEvent::principal, AuditEvent.Builder::principal),
            Member.text("proof_jti", AuditEvent::proofId, AuditEvent.Builder::proofId),
            Member.text("proof_sha256", AuditEvent::proofHash, AuditEvent.Builder::proofHash),
            Member.text("reason", AuditEvent::reason, AuditEvent.Builder::reason),
            Member.text("request_id", AuditEvent::requestId, null),
            Member.int64("response_bytes", AuditEvent::responseBytes, AuditEvent.Builder::responseBytes),
            Member.text("rule", AuditEvent::rule, AuditEvent.Builder::rule));
    private static final List<Member> BEFORE_TIME = List.of(
            Member.int32("status", AuditEvent::status, AuditEvent.Builder::status));
    private static final List<Member> AFTER_TIME = List.of(
            Member.text("token_jti", AuditEvent::tokenId, AuditEvent.Builder::tokenId),
            Member.text("token_sha256", AuditEvent::tokenHash, AuditEvent.Builder::tokenHash),
            Member.text("tool", AuditEvent::tool, AuditEvent.Builder::tool),
            new Member("type", Member.Kind.TEXT, event -> event.type().wireName(), null));

    private static final List<Member> OPTIONAL_MEMBERS =
            Stream.of(BEFORE_ID, BEFORE_PREV, BEFORE_SEQ, BEFORE_TIME, AFTER_TIME)
            .flatMap(List::stream)
            .filter(member -> member.setter() != null)
            .toList();

    private static final Set<String> KNOWN_NAMES = Stream.concat(
                    Stream.of("seq", "id", "time", "type", "request_id", "prev"),
                    OPTIONAL_MEMBERS.stream().map(Member::name))
            .collect(Collectors.toUnmodifiableSet());

    private RecordCodec() {
    }

    /**
     * An event encoded as record members, each followed by a comma, with {@code id} among them and the offsets
     * where {@code prev}, {@code seq} and {@code time} go.
     */
    public record EncodedEvent(String id, byte[] bytes, int prevAt, int seqAt, int timeAt) {
    }

    /**
     * Encodes {@code event} and its record id.
     *
     * @throws IllegalArgumentException when {@code id} is not 1 to 64 base64url characters or a number is outside
     *     [0, 2<sup>53</sup> − 1]
     */
    public static EncodedEvent encodeEvent(String id, AuditEvent event) {
        checkId(id);
        ByteSink out = new ByteSink(384);
        writeMembers(out, BEFORE_ID, event);
        CanonicalJson.writeName(out, "id");
        CanonicalJson.writeString(out, id);
        out.write(',');
        writeMembers(out, BEFORE_PREV, event);
        int prevAt = out.size();
        writeMembers(out, BEFORE_SEQ, event);
        int seqAt = out.size();
        writeMembers(out, BEFORE_TIME, event);
        int timeAt = out.size();
        writeMembers(out, AFTER_TIME, event);
        return new EncodedEvent(id, out.toByteArray(), prevAt, seqAt, timeAt);
    }

    private static void writeMembers(ByteSink out, List<Member> members, AuditEvent event) {
        for (Member member : members) {
            member.write(out, event);
        }
    }

    /**
     * Writes the record of {@code event} at {@code sequence} to {@code out}, without a newline.
     *
     * @param time the {@code time} member's value as {@link #formatTime} returns it, in ASCII
     * @param prev SHA-256 of the previous record, 32 bytes
     */
    public static void writeRecord(ByteSink out, EncodedEvent event, long sequence, byte[] time, byte[] prev) {
        byte[] bytes = event.bytes();
        out.write('{');
        out.write(bytes, 0, event.prevAt());
        out.write(PREV_NAME);
        for (byte b : prev) {
            out.write(HEX_DIGITS[(b >> 4) & 0xF]);
            out.write(HEX_DIGITS[b & 0xF]);
        }
        out.write('"');
        out.write(',');
        out.write(bytes, event.prevAt(), event.seqAt() - event.prevAt());
        out.write(SEQ_NAME);
        CanonicalJson.writeInteger(out, sequence);
        out.write(',');
        out.write(bytes, event.seqAt(), event.timeAt() - event.seqAt());
        out.write(TIME_NAME);
        out.write(time);
        out.write('"');
        out.write(',');
        out.write(bytes, event.timeAt(), bytes.length - event.timeAt() - 1);
        out.write('}');
    }

    /** Returns the record of {@code event} as {@link #writeRecord} writes it, without a newline. */
    public static byte[] encodeRecord(long sequence, String id, Instant time, AuditEvent event, String prev) {
        if (!HASH_PATTERN.matcher(prev).matches()) {
            throw new IllegalArgumentException("prev rejected: \"" + printable(prev)
                    + "\" (expected: 64 lowercase hex digits)");
        }
        ByteSink out = new ByteSink(512);
        writeRecord(out, encodeEvent(id, event), sequence, ascii(formatTime(time)), HEX.parseHex(prev));
        return out.toByteArray();
    }

    /** Formats {@code time} as RFC 3339 in UTC with exactly three fraction digits, truncating finer digits. */
    public static String formatTime(Instant time) {
        return TIME_FORMAT.format(time);
    }

    /** Returns the lowercase hex SHA-256 of {@code length} bytes of {@code bytes} from {@code offset}. */
    public static String sha256Hex(byte[] bytes, int offset, int length) {
        MessageDigest digest = newSha256();
        digest.update(bytes, offset, length);
        return HEX.formatHex(digest.digest());
    }

    /** Returns the lowercase hex form of a digest. */
    public static String hex(byte[] digest) {
        return HEX.formatHex(digest);
    }

    /** Returns the bytes of 64 lowercase hex digits. */
    public static byte[] unhex(String hex) {
        return HEX.parseHex(hex);
    }

    /** Returns a new SHA-256 digest, which every Java runtime provides. */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this Java runtime", e);
        }
    }

    /**
     * Decodes one record (a line without its newline).
     *
     * @param hash the line's SHA-256, hex encoded
     * @throws RecordFormatException when the line is not valid JSON, not an object, has duplicate, unknown,
     *     missing or mistyped members, or is not in canonical form
     */
    public static AuditRecord decode(byte[] line, String hash) throws RecordFormatException {
        Map<String, Object> members = CanonicalJson.parseObject(line, 0, line.length);
        for (String name : members.keySet()) {
            if (!KNOWN_NAMES.contains(name)) {
                throw new RecordFormatException("unknown member \"" + printable(name) + "\"");
            }
        }
        AuditRecord record = toRecord(members, hash, new String(line, StandardCharsets.UTF_8));

        byte[] canonical;
        try {
            canonical = encodeRecord(record.sequence(), record.id(), record.time(), record.event(), record.prev());
        } catch (IllegalArgumentException e) {
            throw new RecordFormatException("a member is out of range: " + e.getMessage());
        }
        if (!Arrays.equals(line, canonical)) {
            throw new RecordFormatException(
                    "line is not in canonical form (member order, spacing, escaping or number format differs)");
        }
        return record;
    }

    /**
     * Returns the {@code seq} member of a line that may not be a valid record, or 0 when the line is not a JSON
     * object with an integer {@code seq} at its top level.
     */
    public static long sequenceOf(byte[] line) {
        if (line == null) {
            return 0;
        }
        try {
            Object sequence = CanonicalJson.parseObject(line, 0, line.length).get("seq");
            return sequence instanceof Long ? (Long) sequence : 0;
        } catch (RecordFormatException e) {
            return 0;
        }
    }

    /** Returns the members of {@code record} under their wire names, in RFC 8785 order. */
    public static Map<String, Object> toMap(AuditRecord record) {
        Map<String, Object> members = new java.util.TreeMap<>();
        members.put("seq", record.sequence());
        members.put("id", record.id());
        members.put("time", formatTime(record.time()));
        members.put("type", record.event().type().wireName());
        members.put("request_id", record.event().requestId());
        for (Member member : OPTIONAL_MEMBERS) {
            Object value = member.getter().apply(record.event());
            if (value != null) {
                members.put(member.name(), value);
            }
        }
        members.put("prev", record.prev());
        return new LinkedHashMap<>(members);
    }

    /** Returns {@code text} with characters outside printable ASCII escaped, cut to 120 characters. */
    public static String printable(String text) {
        return printable(text, 120);
    }

    /**
     * Returns {@code text} with every character outside printable ASCII written as a JSON escape, cut after
     * {@code maxLength} characters of output with an ellipsis.
     */
    public static String printable(String text, int maxLength) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < maxLength; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                out.append(c);
            } else {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            }
        }
        return out.length() < maxLength ? out.toString() : out + "…";
    }

    private static void checkId(String id) {
        if (!ID_PATTERN.matcher(id).matches()) {
            throw new IllegalArgumentException("record id rejected: \"" + printable(id)
                    + "\" (expected: 1 to 64 base64url characters)");
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static AuditRecord toRecord(Map<String, Object> members, String hash, String line)
            throws RecordFormatException {
        long sequence = requiredInteger(members, "seq");
        if (sequence < 1) {
            throw new RecordFormatException("seq is " + sequence + " (expected: 1 or more)");
        }
        String id = requiredText(members, "id");
        if (!ID_PATTERN.matcher(id).matches()) {
            throw new RecordFormatException("id is \"" + printable(id) + "\" (expected: 1 to 64 base64url characters)");
        }
        Instant time = parseTime(requiredText(members, "time"));
        AuditEventType type = parseType(requiredText(members, "type"));
        String requestId = requiredText(members, "request_id");
        String prev = requiredText(members, "prev");
        if (!HASH_PATTERN.matcher(prev).matches()) {
            throw new RecordFormatException("prev is \"" + printable(prev) + "\" (expected: 64 lowercase hex digits)");
        }

        AuditEvent.Builder event = AuditEvent.builder(type, requestId);
        for (Member member : OPTIONAL_MEMBERS) {
            Object value = members.get(member.name());
            if (value != null) {
                member.read(event, value);
            }
        }
        return new AuditRecord(sequence, id, time, event.build(), prev, hash, line);
    }

    private static long requiredInteger(Map<String, Object> members, String name) throws RecordFormatException {
        Object value = members.get(name);
        if (value == null) {
            throw new RecordFormatException("member \"" + name + "\" is missing");
        }
        if (!(value instanceof Long)) {
            throw new RecordFormatException("member \"" + name + "\" is not an integer");
        }
        return (Long) value;
    }

    private static String requiredText(Map<String, Object> members, String name) throws RecordFormatException {
        Object value = members.get(name);
        if (value == null) {
            throw new RecordFormatException("member \"" + name + "\" is missing");
        }
        if (!(value instanceof String)) {
            throw new RecordFormatException("member \"" + name + "\" is not a string");
        }
        return (String) value;
    }

    private static Instant parseTime(String text) throws RecordFormatException {
        try {
            if (TIME_PATTERN.matcher(text).matches()) {
                return Instant.parse(text);
            }
        } catch (DateTimeParseException e) {
            // Reported below with the expected form.
        }
        throw new RecordFormatException("time is \"" + printable(text)
                + "\" (expected: RFC 3339 UTC time with milliseconds such as 2026-01-31T12:00:00.000Z)");
    }

    private static AuditEventType parseType(String text) throws RecordFormatException {
        for (AuditEventType type : AuditEventType.values()) {
            if (type.wireName().equals(text)) {
                return type;
            }
        }
        throw new RecordFormatException("type is \"" + printable(text)
                + "\" (expected: decision, outcome or token_exchange)");
    }

    /**
     * One event member: its wire name, how it is read from an event and how it is set on a builder. The setter is
     * {@code null} for the required members, which the builder takes at construction.
     */
    private record Member(String name, Kind kind, Function<AuditEvent, Object> getter,
            BiConsumer<AuditEvent.Builder, Object> setter) {

        enum Kind { TEXT, INT32, INT64 }

        static Member text(String name, Function<AuditEvent, String> getter,
                BiConsumer<AuditEvent.Builder, String> setter) {
            return new Member(name, Kind.TEXT, getter::apply,
                    setter == null ? null : (builder, value) -> setter.accept(builder, (String) value));
        }

        static Member int32(String name, Function<AuditEvent, Integer> getter,
                BiConsumer<AuditEvent.Builder, Integer> setter) {
            return new Member(name, Kind.INT32, getter::apply,
                    (builder, value) -> setter.accept(builder, Math.toIntExact((Long) value)));
        }

        static Member int64(String name, Function<AuditEvent, Long> getter,
                BiConsumer<AuditEvent.Builder, Long> setter) {
            return new Member(name, Kind.INT64, getter::apply,
                    (builder, value) -> setter.accept(builder, (Long) value));
        }

        /** Writes {@code "name":value,} when the event has a value. */
        void write(ByteSink out, AuditEvent event) {
            Object value = getter.apply(event);
            if (value == null) {
                return;
            }
            CanonicalJson.writeName(out, name);
            if (kind == Kind.TEXT) {
                CanonicalJson.writeString(out, (String) value);
            } else {
                long number = ((Number) value).longValue();
                if (number < 0 || number > CanonicalJson.MAX_INTEGER) {
                    throw new IllegalArgumentException(name + " rejected: " + number + " (expected: 0 to "
                            + CanonicalJson.MAX_INTEGER + ")");
                }
                CanonicalJson.writeInteger(out, number);
            }
            out.write(',');
        }

        void read(AuditEvent.Builder builder, Object value) throws RecordFormatException {
            if (kind == Kind.TEXT && !(value instanceof String)) {
                throw new RecordFormatException("member \"" + name + "\" is not a string");
            }
            if (kind != Kind.TEXT && !(value instanceof Long)) {
                throw new RecordFormatException("member \"" + name + "\" is not an integer");
            }
            if (kind != Kind.TEXT && ((Long) value < 0 || (Long) value > CanonicalJson.MAX_INTEGER)) {
                throw new RecordFormatException("member \"" + name + "\" is " + value + " (expected: 0 to "
                        + CanonicalJson.MAX_INTEGER + ")");
            }
            if (kind == Kind.INT32 && (Long) value > Integer.MAX_VALUE) {
                throw new RecordFormatException(
                        "member \"" + name + "\" is " + value + " (expected: at most " + Integer.MAX_VALUE + ")");
            }
            setter.accept(builder, value);
        }
    }
}
