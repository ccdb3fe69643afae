package dev.agentgateway.policy;

import java.util.Locale;

/**
 * Principal classes in increasing order of authority. A rule that selects a class also selects every class
 * after it, so an {@code anonymous} rule applies to everyone.
 */
public enum PrincipalClass {
    /** No verified credentials. */
    ANONYMOUS,
    /** A verified subject token from a trusted issuer. */
    AUTHENTICATED,
    /** An authenticated on-call engineer whose login meets the operator authentication requirements. */
    OPERATOR;

    /** Returns the configuration and wire name, for example {@code operator}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name; throws {@link IllegalArgumentException} for unknown names. */
    public static PrincipalClass fromWireName(String name) {
        for (PrincipalClass value : values()) {
            if (value.wireName().equals(name)) {
                return value;
            }
        }
        throw new IllegalArgumentException("principal class: \"" + name
                + "\" (expected: anonymous, authenticated or operator)");
    }
}
