package dev.agentgateway.token.internal;

import com.nimbusds.jose.util.Base64URL;
import java.security.SecureRandom;

/** Generates {@code jti} values: 128 random bits, base64url without padding. Thread-safe. */
public final class TokenIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TokenIds() {
    }

    public static String random() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64URL.encode(bytes).toString();
    }
}
