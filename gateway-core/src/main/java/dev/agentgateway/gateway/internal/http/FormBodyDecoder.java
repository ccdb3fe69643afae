package dev.agentgateway.gateway.internal.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes an {@code application/x-www-form-urlencoded} body strictly: ASCII only, every parameter written as
 * {@code name=value}, valid percent-escapes, UTF-8 after decoding, no empty names and no empty pairs. Every value
 * of a repeated parameter is kept in order, so the caller can reject repetitions (RFC 6749 §3.2).
 */
public final class FormBodyDecoder {

    private FormBodyDecoder() {
    }

    /** Returns the parameters of {@code body} in order of first appearance. */
    public static Map<String, List<String>> decode(byte[] body) throws MalformedFormException {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        if (body.length == 0) {
            return parameters;
        }
        for (byte b : body) {
            if (b < 0x20 || b == 0x7f) {
                throw new MalformedFormException(String.format(
                        "form body contains byte 0x%02X (expected: percent-encoded printable ASCII)", b & 0xff));
            }
        }
        String text = new String(body, StandardCharsets.US_ASCII);
        int index = 0;
        for (String pair : text.split("&", -1)) {
            index++;
            addPair(parameters, pair, index);
        }
        return parameters;
    }

    private static void addPair(Map<String, List<String>> parameters, String pair, int index)
            throws MalformedFormException {
        int equals = pair.indexOf('=');
        if (equals < 0) {
            throw new MalformedFormException("form parameter " + index + " has no '=' (expected: name=value)");
        }
        String name = decodeComponent(pair.substring(0, equals), index);
        if (name.isEmpty()) {
            throw new MalformedFormException("form parameter " + index + " has an empty name (expected: name=value)");
        }
        String value = decodeComponent(pair.substring(equals + 1), index);
        parameters.computeIfAbsent(name, key -> new ArrayList<>(1)).add(value);
    }

    private static String decodeComponent(String encoded, int index) throws MalformedFormException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%') {
                bytes.write(escapedByte(encoded, i, index));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedFormException("form parameter " + index + " is not valid UTF-8 after percent-decoding");
        }
    }

    private static int escapedByte(String encoded, int percentIndex, int index) throws MalformedFormException {
        if (percentIndex + 2 >= encoded.length()) {
            throw invalidEscape(index);
        }
        int high = Character.digit(encoded.charAt(percentIndex + 1), 16);
        int low = Character.digit(encoded.charAt(percentIndex + 2), 16);
        if (high < 0 || low < 0) {
            throw invalidEscape(index);
        }
        return high * 16 + low;
    }

    private static MalformedFormException invalidEscape(int index) {
        return new MalformedFormException(
                "form parameter " + index + " has an invalid percent-escape (expected: '%' and two hex digits)");
    }

    /** A form body that is not valid {@code application/x-www-form-urlencoded}; safe to send to the client. */
    public static final class MalformedFormException extends Exception {

        private static final long serialVersionUID = 1L;

        MalformedFormException(String message) {
            super(message);
        }
    }
}
