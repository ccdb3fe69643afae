package dev.agentgateway.token;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds malformed and forged JWTs for rejection tests. */
final class HostileTokens {

    /** Order n of the P-256 group. */
    static final BigInteger P256_ORDER =
            new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    private static final ObjectMapper JSON = new ObjectMapper();

    private HostileTokens() {
    }

    /** Returns the claims as a mutable JSON map, with dates in seconds. */
    static Map<String, Object> payload(JWTClaimsSet claims) {
        return new LinkedHashMap<>(claims.toJSONObject());
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns an unsecured JWT with {@code alg} as given and {@code signature} as its third segment. */
    static String unsecured(String algorithm, Map<String, Object> payload, String signature) {
        return Fixture.b64("{\"alg\":\"" + algorithm + "\",\"typ\":\"JWT\"}") + "." + Fixture.b64(json(payload)) + "."
                + signature;
    }

    /** Signs with HS256, using {@code secret} (for example a public key's bytes) as the MAC key. */
    static String hmac(Map<String, Object> header, Map<String, Object> payload, byte[] secret) {
        String input = Fixture.b64(json(header)) + "." + Fixture.b64(json(payload));
        try {
            Base64URL signature = new MACSigner(secret).sign(new JWSHeader(JWSAlgorithm.HS256),
                    input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + signature;
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signs raw header and payload maps with ES256. */
    static String signed(Map<String, Object> header, Map<String, Object> payload, ECKey key) {
        return Fixture.signRaw(json(header), json(payload), key);
    }

    /** Replaces the signature with the raw 64-byte form of (r, s) = (value, value). */
    static String withSignature(String token, BigInteger value) {
        byte[] raw = new byte[64];
        byte[] component = unsigned32(value);
        System.arraycopy(component, 0, raw, 0, 32);
        System.arraycopy(component, 0, raw, 32, 32);
        return token.substring(0, token.lastIndexOf('.') + 1) + Base64URL.encode(raw);
    }

    /** Replaces the signature with the DER form (ASN.1 SEQUENCE of two INTEGERs) of (r, s) = (value, value). */
    static String withDerSignature(String token, BigInteger value) {
        byte[] integer = value.toByteArray();
        byte[] der = new byte[2 + 2 * (2 + integer.length)];
        der[0] = 0x30;
        der[1] = (byte) (der.length - 2);
        int offset = 2;
        for (int i = 0; i < 2; i++) {
            der[offset] = 0x02;
            der[offset + 1] = (byte) integer.length;
            System.arraycopy(integer, 0, der, offset + 2, integer.length);
            offset += 2 + integer.length;
        }
        return token.substring(0, token.lastIndexOf('.') + 1) + Base64URL.encode(der);
    }

    /**
     * Sets an unused low bit in the last character of the signature segment, so the segment decodes to the same
     * bytes as before but is no longer the canonical encoding. Requires a segment length that is not a multiple
     * of 4, as ES256's 86 characters are.
     */
    static String withNonCanonicalSignature(String token) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int last = token.length() - 1;
        int value = alphabet.indexOf(token.charAt(last));
        return token.substring(0, last) + alphabet.charAt(value | 1);
    }

    /** Signs a header and payload given as raw bytes with ES256, for payloads that are not valid UTF-8. */
    static String signedBytes(String headerJson, byte[] payload, ECKey key) {
        String input = Fixture.b64(headerJson) + "." + Base64URL.encode(payload);
        try {
            Base64URL signature = new ECDSASigner(key).sign(new JWSHeader(JWSAlgorithm.ES256),
                    input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + signature;
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns {@code depth} nested JSON arrays, for example {@code [[]]} for depth 2. */
    static String nestedArrays(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    private static byte[] unsigned32(BigInteger value) {
        byte[] bytes = value.toByteArray();
        byte[] out = new byte[32];
        int length = Math.min(bytes.length, 32);
        System.arraycopy(bytes, bytes.length - length, out, 32 - length, length);
        return out;
    }

    /** Returns a token whose header nests {@code depth} JSON arrays. */
    static String nestedHeader(String token, int depth) {
        char[] open = new char[depth];
        char[] close = new char[depth];
        Arrays.fill(open, '[');
        Arrays.fill(close, ']');
        String header = "{\"alg\":\"ES256\",\"x\":" + new String(open) + new String(close) + "}";
        return Fixture.b64(header) + token.substring(token.indexOf('.'));
    }

    /** Returns three segments of about {@code megabytes} MB in total. */
    static String huge(String token, int megabytes) {
        char[] filler = new char[megabytes * 1024 * 1024];
        Arrays.fill(filler, 'A');
        return token.substring(0, token.lastIndexOf('.') + 1) + new String(filler);
    }

    /** Returns a JWE compact serialization shape (five segments). */
    static String jwe() {
        return Fixture.b64("{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\"}") + ".AAAA.AAAA.AAAA.AAAA";
    }

    /** Returns {@code token} in JWS JSON serialization. */
    static String jsonSerialization(String token) {
        String[] parts = token.split("\\.");
        return "{\"payload\":\"" + parts[1] + "\",\"signatures\":[{\"protected\":\"" + parts[0] + "\",\"signature\":\""
                + parts[2] + "\"}]}";
    }
}
