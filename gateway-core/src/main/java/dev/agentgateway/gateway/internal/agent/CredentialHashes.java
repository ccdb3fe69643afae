package dev.agentgateway.gateway.internal.agent;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * Identifies the credentials a request presented by hash, for audit records: base64url (no padding) SHA-256 of
 * the compact serialization, the same value as a DPoP proof's {@code ath} claim for the token. The token or proof
 * itself never goes into a record.
 */
final class CredentialHashes {

    private static final String DPOP = "DPoP";

    private CredentialHashes() {
    }

    /**
     * Returns the hash of the token in the request's only {@code Authorization} header, whatever its scheme, or
     * {@code null} when the request has no such header, several of them, or no credential after the scheme.
     */
    static String tokenHash(HttpHeaders headers) {
        String authorization = only(headers.getAll(HttpHeaderNames.AUTHORIZATION));
        if (authorization == null) {
            return null;
        }
        int space = authorization.indexOf(' ');
        String token = space < 0 ? "" : authorization.substring(space + 1).strip();
        return token.isEmpty() ? null : sha256(token);
    }

    /** Returns the hash of the request's only {@code DPoP} header, or {@code null} when there is not exactly one. */
    static String proofHash(HttpHeaders headers) {
        String proof = only(headers.getAll(DPOP));
        return proof == null || proof.isBlank() ? null : sha256(proof.strip());
    }

    private static String only(List<String> values) {
        return values.size() == 1 ? values.get(0) : null;
    }

    /** Returns the base64url SHA-256 of {@code compact}'s bytes; header values hold one byte per character. */
    static String sha256(String compact) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(compact.getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
