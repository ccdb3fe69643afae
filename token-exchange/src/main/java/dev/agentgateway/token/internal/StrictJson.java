package dev.agentgateway.token.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Checks the segments of a compact JWS before Nimbus, whose JSON parser tolerates more than RFC 8259, reads them.
 * Every segment must be canonical unpadded base64url (RFC 7515 §2). Header and payload must each be valid UTF-8
 * containing exactly one JSON object with unique member names (RFC 7515 §4, RFC 8725 §3.2), bounded nesting and
 * bounded value sizes. Only rejects, so the caller parses the token afterwards.
 */
final class StrictJson {

    /** Maximum decoded JOSE header size in bytes. A JWK of an RSA 8192-bit key takes about 1.5 KiB. */
    static final int MAX_HEADER_BYTES = 4 * 1024;
    /** Maximum depth of nested objects and arrays, the top-level object counting as 1. */
    static final int MAX_NESTING_DEPTH = 16;
    /** Maximum digits of a JSON number; a time claim has at most 12, a fraction more. */
    static final int MAX_NUMBER_LENGTH = 64;
    /** Maximum length of a string value in characters, the longest accepted token (a subject token). */
    static final int MAX_STRING_LENGTH = 16 * 1024;
    /** Maximum length of a member name in characters. */
    static final int MAX_NAME_LENGTH = 256;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .maxStringLength(MAX_STRING_LENGTH)
                    .maxNameLength(MAX_NAME_LENGTH)
                    .build())
            .build();

    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private StrictJson() {
    }

    /**
     * Checks the three segments of {@code value}, which has passed the character and segment count checks.
     *
     * @param maxLength the token's maximum length in characters, which bounds the payload
     */
    static void checkSegments(String value, String kind, int maxLength, OAuthErrorCode code) throws OAuthException {
        int firstDot = value.indexOf('.');
        int secondDot = value.indexOf('.', firstDot + 1);
        byte[] header = decode(value.substring(0, firstDot), "header", MAX_HEADER_BYTES, kind, code);
        byte[] payload = decode(value.substring(firstDot + 1, secondDot), "payload", maxLength, kind, code);
        decode(value.substring(secondDot + 1), "signature", maxLength, kind, code);
        checkObject(header, "header", kind, code);
        checkObject(payload, "payload", kind, code);
    }

    /**
     * Decodes one base64url segment and requires it to be the canonical encoding of its bytes. Unused low bits
     * must be zero, so two different strings never decode to the same header, payload or signature.
     */
    private static byte[] decode(String segment, String part, int maxBytes, String kind, OAuthErrorCode code)
            throws OAuthException {
        if (segment.length() % 4 == 1 || (long) segment.length() * 3 / 4 > maxBytes) {
            throw reject(kind, part + " has " + segment.length() + " base64url characters (expected: a canonical "
                    + "encoding of at most " + maxBytes + " bytes)", code);
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(segment);
        } catch (IllegalArgumentException e) {
            throw reject(kind, part + " is not base64url (expected: unpadded base64url)", code);
        }
        if (!hasZeroUnusedBits(segment)) {
            throw reject(kind, part + " is not canonical base64url (expected: unused trailing bits set to zero)",
                    code);
        }
        return bytes;
    }

    /**
     * Returns whether the bits the last character carries beyond the decoded bytes are zero: the last 4 bits when
     * the length leaves 2 characters over a multiple of 4, the last 2 when it leaves 3. Only then is the segment the
     * one canonical encoding of its bytes.
     */
    private static boolean hasZeroUnusedBits(String segment) {
        int remainder = segment.length() % 4;
        if (remainder == 0) {
            return true;
        }
        int value = base64UrlValue(segment.charAt(segment.length() - 1));
        int unusedBits = remainder == 2 ? 0x0F : 0x03;
        return (value & unusedBits) == 0;
    }

    private static int base64UrlValue(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : 63;
    }

    private static void checkObject(byte[] json, String part, String kind, OAuthErrorCode code)
            throws OAuthException {
        String text = utf8(json, part, kind, code);
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw reject(kind, part + " is not a JSON object (expected: a JSON object)", code);
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw reject(kind, part + " has content after its JSON object (expected: one JSON object)", code);
            }
        } catch (StreamConstraintsException e) {
            throw reject(kind, part + " exceeds a JSON limit (expected: nesting depth at most " + MAX_NESTING_DEPTH
                    + ", numbers of at most " + MAX_NUMBER_LENGTH + " digits, strings of at most " + MAX_STRING_LENGTH
                    + " characters, member names of at most "
                    + MAX_NAME_LENGTH + " characters)", code);
        } catch (IOException e) {
            throw reject(kind, part + " is not strict JSON (expected: RFC 8259 JSON with unique member names)",
                    code);
        }
    }

    /** Decodes UTF-8 strictly, because a lenient decoder replaces invalid bytes and so hides them. */
    private static String utf8(byte[] bytes, String part, String kind, OAuthErrorCode code) throws OAuthException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw reject(kind, part + " is not valid UTF-8 (expected: UTF-8 JSON)", code);
        }
    }

    private static OAuthException reject(String kind, String problem, OAuthErrorCode code) {
        return new OAuthException(code, kind + " rejected: " + problem);
    }
}
