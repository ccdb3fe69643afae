package dev.agentgateway.gateway.internal.admin;

import dev.agentgateway.config.AdminCredential;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Bearer credentials of the admin listener, held as SHA-256 digests only. A presented token is hashed and compared
 * with every configured digest in constant time, so neither the match nor its position shows in the timing.
 */
public final class AdminCredentials {

    private static final String BEARER_PREFIX = "bearer ";

    private final List<AdminCredential> credentials;
    private final List<byte[]> digests;

    public AdminCredentials(List<AdminCredential> credentials) {
        this.credentials = List.copyOf(credentials);
        this.digests = this.credentials.stream().map(c -> HexFormat.of().parseHex(c.tokenSha256())).toList();
    }

    /** Returns whether no credential is configured, so every request is rejected. */
    public boolean isEmpty() {
        return credentials.isEmpty();
    }

    /**
     * Returns the name of the credential whose token {@code authorization} presents, or empty when the header is
     * absent, not a {@code Bearer} credential, or matches no configured digest.
     */
    public Optional<String> authenticate(List<String> authorization) {
        if (authorization.size() != 1 || !authorization.get(0).regionMatches(true, 0, BEARER_PREFIX, 0,
                BEARER_PREFIX.length())) {
            return Optional.empty();
        }
        String token = authorization.get(0).substring(BEARER_PREFIX.length()).strip();
        byte[] presented = sha256(token);
        String match = null;
        for (int i = 0; i < digests.size(); i++) {
            if (MessageDigest.isEqual(presented, digests.get(i)) && match == null) {
                match = credentials.get(i).name();
            }
        }
        return Optional.ofNullable(match);
    }

    /** Returns the SHA-256 of {@code token}'s UTF-8 bytes. */
    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
