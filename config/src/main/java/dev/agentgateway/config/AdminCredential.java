package dev.agentgateway.config;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One admin bearer credential.
 *
 * @param name who holds it, written to the audit log's access lines and the gateway log, for example {@code siem}
 * @param tokenSha256 lowercase hex SHA-256 of the token's UTF-8 bytes
 */
public record AdminCredential(String name, String tokenSha256) {

    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

    public AdminCredential {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tokenSha256, "tokenSha256");
        if (!HEX_SHA256.matcher(tokenSha256).matches()) {
            throw new IllegalArgumentException("tokenSha256 rejected (expected: 64 lowercase hex digits)");
        }
    }

    @Override
    public String toString() {
        return "AdminCredential[name=" + name + "]";
    }
}
