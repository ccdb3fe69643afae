package dev.agentgateway.gateway.internal.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Optional;

/**
 * Writes the {@code DPoP-Nonce} response field of RFC 9449 §8 and §9. Every response that carries a nonce, an error
 * or a success, is sent with {@code Cache-Control: no-store}, so no cache hands one agent's nonce to another.
 */
public final class DPoPNonceHeader {

    /** Name of the response field that carries a server-provided DPoP nonce. */
    public static final AsciiString NAME = AsciiString.cached("dpop-nonce");

    private DPoPNonceHeader() {
    }

    /**
     * Sets {@code DPoP-Nonce} to {@code nonce} and {@code Cache-Control} to {@code no-store}, replacing any values
     * already in {@code headers}. Does nothing when {@code nonce} is empty.
     *
     * @throws IllegalArgumentException when the nonce is not an RFC 9449 §8.1 {@code nonce} (one or more NQCHAR)
     */
    public static void apply(HttpHeaders headers, Optional<String> nonce) {
        if (nonce.isEmpty()) {
            return;
        }
        String value = nonce.get();
        if (!isNonce(value)) {
            // The value is not echoed, because it may carry the control characters that make it invalid.
            throw new IllegalArgumentException("DPoP nonce of " + value.length()
                    + " characters rejected (expected: one or more of %x21 / %x23-5B / %x5D-7E)");
        }
        headers.set(NAME, value);
        headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    }

    /** Returns whether {@code value} matches {@code 1*NQCHAR}, the nonce syntax of RFC 9449 §8.1. */
    static boolean isNonce(String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean nqchar = c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
            if (!nqchar) {
                return false;
            }
        }
        return true;
    }
}
