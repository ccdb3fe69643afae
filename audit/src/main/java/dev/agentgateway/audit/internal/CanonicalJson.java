package dev.agentgateway.audit.internal;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * RFC 8785 (JSON Canonicalization Scheme) for the flat objects the audit log writes: members whose values are
 * strings or integers in [0, 2<sup>53</sup> − 1]. Such integers are written in plain decimal, which is their
 * ECMAScript form (RFC 8785 §3.2.2.3). Strings are escaped as RFC 8785 §3.2.2.2 requires and otherwise written
 * as UTF-8. A lone surrogate has no UTF-8 form, so it is written as U+FFFD.
 *
 * <p>The parser reads any flat JSON object of strings and integers. It does not check the canonical form itself:
 * callers re-encode what it returns and compare the bytes.
 */
public final class CanonicalJson {

    /** Largest integer written: 2<sup>53</sup> − 1, the largest that every JSON implementation reads exactly. */
    public static final long MAX_INTEGER = (1L << 53) - 1;

    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private CanonicalJson() {
    }

    /** Writes {@code "name":} for a member name. */
    public static void writeName(ByteSink out, String name) {
        writeString(out, name);
        out.write(':');
    }

    /** Writes {@code value} as a JSON string in RFC 8785 form. */
    public static void writeString(ByteSink out, String value) {
        out.write('"');
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                writeAscii(out, c);
            } else if (c < 0x800) {
                out.write(0xC0 | (c >> 6));
                out.write(0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < length
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                int codePoint = Character.toCodePoint(c, value.charAt(++i));
                out.write(0xF0 | (codePoint >> 18));
                out.write(0x80 | ((codePoint >> 12) & 0x3F));
                out.write(0x80 | ((codePoint >> 6) & 0x3F));
                out.write(0x80 | (codePoint & 0x3F));
            } else {
                char written = Character.isSurrogate(c) ? '\uFFFD' : c;
                out.write(0xE0 | (written >> 12));
                out.write(0x80 | ((written >> 6) & 0x3F));
                out.write(0x80 | (written & 0x3F));
            }
        }
        out.write('"');
    }

    private static void writeAscii(ByteSink out, char c) {
        if (c >= 0x20 && c != '"' && c != '\\') {
            out.write(c);
            return;
        }
        out.write('\\');
        switch (c) {
            case '"' -> out.write('"');
            case '\\' -> out.write('\\');
            case '\b' -> out.write('b');
            case '\t' -> out.write('t');
            case '\n' -> out.write('n');
            case '\f' -> out.write('f');
            case '\r' -> out.write('r');
            default -> {
                out.write('u');
                out.write('0');
                out.write('0');
                out.write(HEX_DIGITS[c >> 4]);
                out.write(HEX_DIGITS[c & 0xF]);
            }
        }
    }

    /**
     * Writes {@code value} as a JSON number.
     *
     * @throws IllegalArgumentException when {@code value} is outside [0, {@link #MAX_INTEGER}]
     */
    public static void writeInteger(ByteSink out, long value) {
        if (value < 0 || value > MAX_INTEGER) {
            throw new IllegalArgumentException(value + " (expected: 0 to " + MAX_INTEGER + ")");
        }
        out.writeDecimal(value);
    }

    /**
     * Returns the canonical form of a flat object whose values are {@link String}s or {@link Long}s, members
     * sorted by the UTF-16 code units of their names as RFC 8785 §3.2.3 requires.
     */
    public static byte[] write(Map<String, ?> members) {
        ByteSink out = new ByteSink(256);
        out.write('{');
        boolean first = true;
        for (Map.Entry<String, ?> member : new TreeMap<>(members).entrySet()) {
            if (!first) {
                out.write(',');
            }
            first = false;
            writeName(out, member.getKey());
            Object value = member.getValue();
            if (value instanceof String text) {
                writeString(out, text);
            } else if (value instanceof Long || value instanceof Integer) {
                writeInteger(out, ((Number) value).longValue());
            } else {
                throw new IllegalArgumentException("member \"" + member.getKey() + "\" has a "
                        + (value == null ? "null" : value.getClass().getSimpleName())
                        + " value (expected: String or Long)");
            }
        }
        out.write('}');
        return out.toByteArray();
    }

    /**
     * Parses one JSON object whose member values are strings or integers. Whitespace between tokens is accepted.
     * Integers come back as {@link Long}s and strings as {@link String}s.
     *
     * @throws RecordFormatException when the bytes are not valid UTF-8 JSON, not one object, hold a member twice
     *     or hold a value that is not a string or an integer in the range of {@code long}
     */
    public static Map<String, Object> parseObject(byte[] bytes, int offset, int length) throws RecordFormatException {
        return new Parser(bytes, offset, offset + length).object();
    }

    /** A recursive-descent parser for one flat object. */
    private static final class Parser {

        private final byte[] bytes;
        private final int end;
        private final StringBuilder text = new StringBuilder(64);
        private int position;

        Parser(byte[] bytes, int offset, int end) {
            this.bytes = bytes;
            this.position = offset;
            this.end = end;
        }

        Map<String, Object> object() throws RecordFormatException {
            skipWhitespace();
            if (position == end) {
                throw new RecordFormatException("line is not valid JSON: the line is empty");
            }
            if (bytes[position] != '{') {
                throw new RecordFormatException("line is not a JSON object");
            }
            position++;
            Map<String, Object> members = new HashMap<>();
            skipWhitespace();
            if (peek() == '}') {
                position++;
                return finish(members);
            }
            while (true) {
                skipWhitespace();
                expect('"', "a member name");
                String name = string();
                skipWhitespace();
                expect(':', "':' after member name");
                skipWhitespace();
                Object value = value(name);
                if (members.put(name, value) != null) {
                    throw new RecordFormatException("duplicate member \"" + RecordCodec.printable(name) + "\"");
                }
                skipWhitespace();
                int next = peek();
                position++;
                if (next == '}') {
                    return finish(members);
                }
                if (next != ',') {
                    throw invalid("expected ',' or '}' at byte " + (position - 1));
                }
            }
        }

        private Map<String, Object> finish(Map<String, Object> members) throws RecordFormatException {
            skipWhitespace();
            if (position != end) {
                throw invalid("content follows the JSON object");
            }
            return members;
        }

        private Object value(String name) throws RecordFormatException {
            int first = peek();
            if (first == '"') {
                position++;
                return string();
            }
            if (first == '-' || (first >= '0' && first <= '9')) {
                return integer(name);
            }
            if (first < 0) {
                throw invalid("the line ends inside the object");
            }
            throw new RecordFormatException("member \"" + RecordCodec.printable(name)
                    + "\" is not a string or an integer");
        }

        private Long integer(String name) throws RecordFormatException {
            int start = position;
            if (bytes[position] == '-') {
                position++;
            }
            int digitsStart = position;
            while (position < end && bytes[position] >= '0' && bytes[position] <= '9') {
                position++;
            }
            int digits = position - digitsStart;
            if (digits == 0 || (digits > 1 && bytes[digitsStart] == '0')) {
                throw invalid("malformed number at byte " + start);
            }
            int next = peek();
            if (next == '.' || next == 'e' || next == 'E') {
                throw new RecordFormatException("member \"" + RecordCodec.printable(name)
                        + "\" is not a string or an integer");
            }
            String number = new String(bytes, start, position - start, StandardCharsets.US_ASCII);
            try {
                return Long.parseLong(number);
            } catch (NumberFormatException e) {
                throw new RecordFormatException("member \"" + RecordCodec.printable(name) + "\" is " + number
                        + " (expected: 0 to " + MAX_INTEGER + ")");
            }
        }

        /** Reads a string after its opening quote, decoding escapes and UTF-8. */
        private String string() throws RecordFormatException {
            text.setLength(0);
            while (true) {
                if (position >= end) {
                    throw invalid("the line ends inside a string");
                }
                int b = bytes[position++] & 0xFF;
                if (b == '"') {
                    return text.toString();
                }
                if (b == '\\') {
                    escape();
                } else if (b < 0x20) {
                    throw invalid("unescaped control character 0x" + Integer.toHexString(b) + " in a string");
                } else if (b < 0x80) {
                    text.append((char) b);
                } else {
                    utf8(b);
                }
            }
        }

        private void escape() throws RecordFormatException {
            if (position >= end) {
                throw invalid("the line ends inside an escape");
            }
            int c = bytes[position++];
            switch (c) {
                case '"' -> text.append('"');
                case '\\' -> text.append('\\');
                case '/' -> text.append('/');
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'n' -> text.append('\n');
                case 'r' -> text.append('\r');
                case 't' -> text.append('\t');
                case 'u' -> text.append(hexEscape());
                default -> throw invalid("invalid escape at byte " + (position - 2));
            }
        }

        private char hexEscape() throws RecordFormatException {
            if (position + 4 > end) {
                throw invalid("the line ends inside a \\u escape");
            }
            int value = 0;
            for (int i = 0; i < 4; i++) {
                int digit = Character.digit(bytes[position++], 16);
                if (digit < 0) {
                    throw invalid("invalid \\u escape at byte " + (position - i - 3));
                }
                value = value << 4 | digit;
            }
            return (char) value;
        }

        /** Decodes one UTF-8 sequence starting with {@code lead}, rejecting overlong forms and surrogates. */
        private void utf8(int lead) throws RecordFormatException {
            int count;
            int codePoint;
            int min;
            if (lead >= 0xC2 && lead <= 0xDF) {
                count = 1;
                codePoint = lead & 0x1F;
                min = 0x80;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                count = 2;
                codePoint = lead & 0x0F;
                min = 0x800;
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                count = 3;
                codePoint = lead & 0x07;
                min = 0x10000;
            } else {
                throw invalid("invalid UTF-8 byte 0x" + Integer.toHexString(lead) + " at byte " + (position - 1));
            }
            for (int i = 0; i < count; i++) {
                int next = position < end ? bytes[position] & 0xFF : -1;
                if ((next & 0xC0) != 0x80) {
                    throw invalid("truncated UTF-8 sequence at byte " + position);
                }
                position++;
                codePoint = codePoint << 6 | (next & 0x3F);
            }
            if (codePoint < min || codePoint > Character.MAX_CODE_POINT
                    || (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE)) {
                throw invalid("invalid UTF-8 sequence before byte " + position);
            }
            text.appendCodePoint(codePoint);
        }

        private void expect(char c, String what) throws RecordFormatException {
            if (peek() != c) {
                throw invalid("expected " + what + " at byte " + position);
            }
            position++;
        }

        private int peek() {
            return position < end ? bytes[position] & 0xFF : -1;
        }

        private void skipWhitespace() {
            while (position < end) {
                byte b = bytes[position];
                if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                    return;
                }
                position++;
            }
        }

        private RecordFormatException invalid(String problem) {
            return new RecordFormatException("line is not valid JSON: " + problem);
        }
    }
}
