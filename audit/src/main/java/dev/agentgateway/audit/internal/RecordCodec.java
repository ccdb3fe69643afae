package dev.agentgateway.audit.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * Encodes audit records as the JSON lines described on {@link dev.agentgateway.audit.FileAuditLog} and decodes
 * them back. Decoding accepts only lines that re-encode to the same bytes.
 */
public final class RecordCodec {

    /** Maximum length of one line without its newline. Appends of longer records are rejected. */
    public static final int MAX_LINE_BYTES = 1 << 20;

    /** The {@code prev} of the first record. */
    public static final String FIRST_PREV = "0".repeat(64);

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final CharacterEscapes PRINTABLE_ASCII_ESCAPES = new PrintableAsciiEscapes();
    private static final DateTimeFormatter TIME_FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern HASH_PATTERN = Pattern.compile("[0-9a-f]{64}");
    private static final HexFormat HEX = HexFormat.of();

    private static final List<Member> OPTIONAL_MEMBERS = List.of(
            Member.text("principal", AuditEvent::principal, AuditEvent.Builder::principal),
            Member.text("actor", AuditEvent::actor, AuditEvent.Builder::actor),
            Member.text("tool", AuditEvent::tool, AuditEvent.Builder::tool),
            Member.text("method", AuditEvent::method, AuditEvent.Builder::method),
            Member.text("path", AuditEvent::path, AuditEvent.Builder::path),
            Member.text("decision", AuditEvent::decision, AuditEvent.Builder::decision),
            Member.text("rule", AuditEvent::rule, AuditEvent.Builder::rule),
            Member.text("reason", AuditEvent::reason, AuditEvent.Builder::reason),
            Member.text("missing_authority", AuditEvent::missingAuthority, AuditEvent.Builder::missingAuthority),
            Member.text("token_jti", AuditEvent::tokenId, AuditEvent.Builder::tokenId),
            Member.text("proof_jti", AuditEvent::proofId, AuditEvent.Builder::proofId),
            Member.text("jkt", AuditEvent::keyThumbprint, AuditEvent.Builder::keyThumbprint),
            Member.int32("status", AuditEvent::status, AuditEvent.Builder::status),
            Member.int64("duration_ms", AuditEvent::durationMillis, AuditEvent.Builder::durationMillis),
            Member.int64("response_bytes", AuditEvent::responseBytes, AuditEvent.Builder::responseBytes),
            Member.text("decision_record", AuditEvent::decisionRecordId, AuditEvent.Builder::decisionRecordId));

    private static final Set<String> KNOWN_NAMES = Stream.concat(
                    Stream.of("seq", "id", "time", "type", "request_id", "prev"),
                    OPTIONAL_MEMBERS.stream().map(Member::name))
            .collect(Collectors.toUnmodifiableSet());

    private RecordCodec() {
    }

    /**
     * Encodes the members that depend only on {@code event}, from {@code type} to {@code decision_record},
     * without braces. Callers encode outside the append lock and pass the result to {@link #line}.
     */
    public static byte[] encodeEventMembers(AuditEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator generator = JSON.createGenerator(out)) {
            generator.setCharacterEscapes(PRINTABLE_ASCII_ESCAPES);
            generator.writeStartObject();
            generator.writeStringField("type", event.type().wireName());
            generator.writeStringField("request_id", event.requestId());
            for (Member member : OPTIONAL_MEMBERS) {
                member.write(generator, event);
            }
            generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding an audit event in memory failed", e);
        }
        byte[] object = out.toByteArray();
        return Arrays.copyOfRange(object, 1, object.length - 1);
    }

    /**
     * Assembles a whole line, newline included. {@code id} must be base64url characters and {@code prev} a
     * lowercase hex SHA-256, so these members need no escaping.
     */
    public static byte[] line(long sequence, String id, Instant time, byte[] eventMembers, String prev) {
        if (!ID_PATTERN.matcher(id).matches()) {
            throw new IllegalArgumentException("record id rejected: \"" + printable(id)
                    + "\" (expected: 1 to 64 base64url characters)");
        }
        if (!HASH_PATTERN.matcher(prev).matches()) {
            throw new IllegalArgumentException("prev rejected: \"" + printable(prev)
                    + "\" (expected: 64 lowercase hex digits)");
        }
        byte[] head = ("{\"seq\":" + sequence + ",\"id\":\"" + id + "\",\"time\":\"" + formatTime(time) + "\",")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] tail = (",\"prev\":\"" + prev + "\"}\n").getBytes(StandardCharsets.US_ASCII);
        byte[] line = new byte[head.length + eventMembers.length + tail.length];
        System.arraycopy(head, 0, line, 0, head.length);
        System.arraycopy(eventMembers, 0, line, head.length, eventMembers.length);
        System.arraycopy(tail, 0, line, head.length + eventMembers.length, tail.length);
        return line;
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

    /** Returns a new SHA-256 digest, which every Java runtime provides. */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this Java runtime", e);
        }
    }

    /**
     * Decodes one line (without its newline) into a record.
     *
     * @param hash the line's SHA-256, hex encoded
     * @throws RecordFormatException when the line is not valid JSON, not an object, has duplicate, unknown,
     *     missing or mistyped members, or is not in the form the log writes
     */
    public static AuditRecord decode(byte[] line, String hash) throws RecordFormatException {
        Map<String, Object> members = parseObject(line);
        for (String name : members.keySet()) {
            if (!KNOWN_NAMES.contains(name)) {
                throw new RecordFormatException("unknown member \"" + printable(name) + "\"");
            }
        }
        AuditRecord record = toRecord(members, hash);

        byte[] canonical = line(record.sequence(), record.id(), record.time(),
                encodeEventMembers(record.event()), record.prev());
        if (!Arrays.equals(line, 0, line.length, canonical, 0, canonical.length - 1)) {
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
            Object sequence = parseObject(line).get("seq");
            return sequence instanceof Long ? (Long) sequence : 0;
        } catch (RecordFormatException e) {
            return 0;
        }
    }

    /** Returns the members of {@code record} under their wire names, in writing order. */
    public static Map<String, Object> toMap(AuditRecord record) {
        Map<String, Object> members = new LinkedHashMap<>();
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
        return members;
    }

    /** Returns {@code text} with characters outside printable ASCII escaped, cut to 120 characters. */
    public static String printable(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 120; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                out.append(c);
            } else {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            }
        }
        return out.length() < 120 ? out.toString() : out + "…";
    }

    private static Map<String, Object> parseObject(byte[] line) throws RecordFormatException {
        Map<String, Object> members = new LinkedHashMap<>();
        try (JsonParser parser = JSON.createParser(line)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw new RecordFormatException("line is not valid JSON: the line is empty");
            }
            if (token != JsonToken.START_OBJECT) {
                throw new RecordFormatException("line is not a JSON object");
            }
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                members.put(name, readValue(parser, parser.nextToken(), name));
            }
            if (parser.nextToken() != null) {
                throw new RecordFormatException("line is not valid JSON: content follows the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new RecordFormatException("line is not valid JSON: " + printable(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new RecordFormatException("line could not be parsed: " + printable(String.valueOf(e.getMessage())));
        }
        return members;
    }

    private static Object readValue(JsonParser parser, JsonToken token, String name)
            throws IOException, RecordFormatException {
        if (token == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        if (token == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            return parser.getLongValue();
        }
        throw new RecordFormatException("member \"" + printable(name) + "\" is not a string or an integer");
    }

    private static AuditRecord toRecord(Map<String, Object> members, String hash) throws RecordFormatException {
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
        return new AuditRecord(sequence, id, time, event.build(), prev, hash);
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
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new RecordFormatException("time is \"" + printable(text)
                    + "\" (expected: RFC 3339 UTC time such as 2026-01-31T12:00:00.000Z)");
        }
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

    /** One optional member: its wire name, how it is read from an event and how it is set on a builder. */
    private record Member(String name, Kind kind, Function<AuditEvent, Object> getter,
            BiConsumer<AuditEvent.Builder, Object> setter) {

        enum Kind { TEXT, INT32, INT64 }

        static Member text(String name, Function<AuditEvent, String> getter,
                BiConsumer<AuditEvent.Builder, String> setter) {
            return new Member(name, Kind.TEXT, getter::apply,
                    (builder, value) -> setter.accept(builder, (String) value));
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

        void write(JsonGenerator generator, AuditEvent event) throws IOException {
            Object value = getter.apply(event);
            if (value == null) {
                return;
            }
            generator.writeFieldName(name);
            if (kind == Kind.TEXT) {
                generator.writeString((String) value);
            } else {
                generator.writeNumber(((Number) value).longValue());
            }
        }

        void read(AuditEvent.Builder builder, Object value) throws RecordFormatException {
            if (kind == Kind.TEXT && !(value instanceof String)) {
                throw new RecordFormatException("member \"" + name + "\" is not a string");
            }
            if (kind != Kind.TEXT && !(value instanceof Long)) {
                throw new RecordFormatException("member \"" + name + "\" is not an integer");
            }
            if (kind == Kind.INT32 && ((Long) value < Integer.MIN_VALUE || (Long) value > Integer.MAX_VALUE)) {
                throw new RecordFormatException(
                        "member \"" + name + "\" is " + value + " (expected: a 32-bit integer)");
            }
            setter.accept(builder, value);
        }
    }

    /** Escapes DEL as well as Jackson's standard set, so with non-ASCII escaping every byte is printable. */
    private static final class PrintableAsciiEscapes extends CharacterEscapes {

        private static final long serialVersionUID = 1L;

        private final int[] asciiEscapes;

        PrintableAsciiEscapes() {
            asciiEscapes = standardAsciiEscapesForJSON();
            asciiEscapes[0x7F] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return asciiEscapes;
        }

        @Override
        public com.fasterxml.jackson.core.SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }
}
