package dev.agentgateway.gateway.e2e;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.ECKey;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds JWS strings byte by byte, including ones no JOSE library would produce: any header, any payload, any
 * signature bytes. Signatures are real, made with the JDK's providers.
 */
final class HostileJws {

    /** Order n of the P-256 group, which as r and s makes the ECDSA check degenerate. */
    static final byte[] P256_ORDER = HexFormat.of().parseHex(
            "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private HostileJws() {
    }

    static String base64Url(byte[] bytes) {
        return BASE64URL.encodeToString(bytes);
    }

    static String base64Url(String text) {
        return base64Url(text.getBytes(UTF_8));
    }

    static String json(Map<String, ?> members) {
        try {
            return JSON.writeValueAsString(members);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serializing test JSON failed", e);
        }
    }

    /** Returns the decoded JSON object of one segment of a compact JWS, in member order. */
    static Map<String, Object> segment(String compact, int index) {
        String encoded = compact.split("\\.")[index];
        try {
            return JSON.readValue(Base64.getUrlDecoder().decode(encoded), new TypeReference<LinkedHashMap<String,
                    Object>>() { });
        } catch (java.io.IOException e) {
            throw new IllegalStateException("segment " + index + " is not a JSON object", e);
        }
    }

    /** Returns {@code header.payload}, both base64url-encoded, the input every JWS signature covers. */
    static String signingInput(String headerJson, String payloadJson) {
        return base64Url(headerJson) + "." + base64Url(payloadJson);
    }

    /** Signs with ES256 and the 64-byte R || S signature of RFC 7518 §3.4. */
    static String es256(String headerJson, String payloadJson, ECKey key) throws GeneralSecurityException,
            JOSEException {
        String input = signingInput(headerJson, payloadJson);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key.toECPrivateKey());
        signer.update(input.getBytes(US_ASCII));
        byte[] concatenated = ECDSA.transcodeSignatureToConcat(signer.sign(), 64);
        return input + "." + base64Url(concatenated);
    }

    /** Signs with HMAC SHA-256 under {@code secret}, whatever bytes it is. */
    static String hs256(String headerJson, String payloadJson, byte[] secret) throws GeneralSecurityException {
        String input = signingInput(headerJson, payloadJson);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        return input + "." + base64Url(mac.doFinal(input.getBytes(US_ASCII)));
    }

    /** Returns {@code header.payload.signature} with the given signature bytes. */
    static String withSignature(String headerJson, String payloadJson, byte[] signature) {
        return signingInput(headerJson, payloadJson) + "." + base64Url(signature);
    }

    /** Returns r and s both equal to {@code value} (32 bytes) as R || S. */
    static byte[] rawSignature(byte[] value) {
        byte[] signature = new byte[64];
        System.arraycopy(value, 0, signature, 0, 32);
        System.arraycopy(value, 0, signature, 32, 32);
        return signature;
    }

    /** Returns r and s both equal to {@code value} (32 bytes, unsigned) as an ASN.1 DER ECDSA-Sig-Value. */
    static byte[] derSignature(byte[] value) {
        byte[] integer = derInteger(value);
        byte[] sequence = new byte[2 + 2 * integer.length];
        sequence[0] = 0x30;
        sequence[1] = (byte) (2 * integer.length);
        System.arraycopy(integer, 0, sequence, 2, integer.length);
        System.arraycopy(integer, 0, sequence, 2 + integer.length, integer.length);
        return sequence;
    }

    private static byte[] derInteger(byte[] unsigned) {
        int start = 0;
        while (start < unsigned.length - 1 && unsigned[start] == 0) {
            start++;
        }
        boolean pad = (unsigned[start] & 0x80) != 0;
        int length = unsigned.length - start + (pad ? 1 : 0);
        byte[] integer = new byte[2 + length];
        integer[0] = 0x02;
        integer[1] = (byte) length;
        System.arraycopy(unsigned, start, integer, 2 + (pad ? 1 : 0), unsigned.length - start);
        return integer;
    }

    /** Returns the RFC 9449 §4.2 {@code ath} of {@code accessToken}. */
    static String accessTokenHash(String accessToken) throws GeneralSecurityException {
        return base64Url(MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(US_ASCII)));
    }

    /** Returns a JSON text of {@code depth} nested arrays inside the member {@code nested}. */
    static String nestedArrays(Map<String, Object> members, int depth) {
        String object = json(members);
        return object.substring(0, object.length() - 1) + ",\"nested\":" + "[".repeat(depth) + "]".repeat(depth)
                + "}";
    }
}
