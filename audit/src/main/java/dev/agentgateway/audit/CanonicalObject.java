package dev.agentgateway.audit;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentgateway.audit.internal.ByteSink;
import dev.agentgateway.audit.internal.CanonicalJson;
import dev.agentgateway.audit.internal.RecordCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * RFC 8785 (JCS) form of the small JSON objects this package signs and prints: checkpoints, proofs and public
 * JWKs. Their members are strings, integers in [0, 2^53 - 1] and arrays of strings, so JCS reduces to sorted
 * member names, no whitespace, plain decimal integers and the JCS string escapes.
 */
final class CanonicalObject {

    /** Largest integer JSON numbers carry exactly, 2^53 - 1. */
    static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

    private static final ObjectMapper STRICT_MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Map<String, Object> members = new TreeMap<>();

    CanonicalObject put(String name, String value) {
        members.put(name, value);
        return this;
    }

    CanonicalObject put(String name, long value) {
        if (value < 0 || value > MAX_SAFE_INTEGER) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: 0 to " + MAX_SAFE_INTEGER + ")");
        }
        members.put(name, value);
        return this;
    }

    CanonicalObject put(String name, List<String> values) {
        members.put(name, List.copyOf(values));
        return this;
    }

    /**
     * Returns the canonical text. Member names are ASCII here, so sorting {@link String}s sorts them by UTF-16
     * code units as RFC 8785 §3.2.3 requires. Strings are escaped by the same writer as the log's records.
     */
    @Override
    public String toString() {
        ByteSink out = new ByteSink(256);
        out.write('{');
        for (Map.Entry<String, Object> member : members.entrySet()) {
            if (out.size() > 1) {
                out.write(',');
            }
            CanonicalJson.writeName(out, member.getKey());
            writeValue(out, member.getValue());
        }
        out.write('}');
        return new String(out.array(), 0, out.size(), StandardCharsets.UTF_8);
    }

    private static void writeValue(ByteSink out, Object value) {
        if (value instanceof String text) {
            CanonicalJson.writeString(out, text);
        } else if (value instanceof List<?> list) {
            out.write('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                CanonicalJson.writeString(out, (String) list.get(i));
            }
            out.write(']');
        } else {
            CanonicalJson.writeInteger(out, (Long) value);
        }
    }

    /**
     * Parses one JSON object, rejecting duplicate member names and trailing content. The caller still checks
     * that the text is canonical by encoding the result again.
     *
     * @throws IllegalArgumentException when {@code text} is not a single JSON object; the message names
     *     {@code what}
     */
    static ObjectNode parse(String text, String what) {
        try (JsonParser parser = STRICT_MAPPER.createParser(text)) {
            JsonNode node = STRICT_MAPPER.readTree(parser);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(what + " rejected: not a JSON object");
            }
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException(what + " rejected: content after the JSON object");
            }
            return (ObjectNode) node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " rejected: invalid JSON ("
                    + printable(e.getOriginalMessage()) + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from a string failed", e);
        }
    }

    /** Returns the string member {@code name}, or throws naming {@code what} when it is absent or not a string. */
    static String text(ObjectNode object, String name, String what) {
        JsonNode value = object.get(name);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(what + " rejected: member \"" + name
                    + "\" is missing or not a string");
        }
        return value.textValue();
    }

    /** Returns the integer member {@code name} in [0, 2^53 - 1], or throws naming {@code what}. */
    static long integer(ObjectNode object, String name, String what) {
        JsonNode value = object.get(name);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()
                || value.longValue() < 0 || value.longValue() > MAX_SAFE_INTEGER) {
            throw new IllegalArgumentException(what + " rejected: member \"" + name
                    + "\" is missing or not an integer from 0 to " + MAX_SAFE_INTEGER);
        }
        return value.longValue();
    }

    /** Checks that {@code object} has exactly the member names {@code expected}. */
    static void requireMembers(ObjectNode object, List<String> expected, String what) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        Set<String> expectedNames = new TreeSet<>(expected);
        if (!names.equals(expectedNames)) {
            throw new IllegalArgumentException(what + " rejected: members " + printable(names.toString())
                    + " (expected: " + expectedNames + ")");
        }
    }

    /** Returns {@code text} with every character outside printable ASCII written as a JSON escape. */
    static String printable(String text) {
        return RecordCodec.printable(text, Integer.MAX_VALUE);
    }
}
