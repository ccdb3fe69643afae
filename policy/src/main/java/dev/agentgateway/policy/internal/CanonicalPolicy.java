package dev.agentgateway.policy.internal;

import dev.agentgateway.config.OperatorConfig;
import dev.agentgateway.config.PolicyConfig;
import dev.agentgateway.config.RuleConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Collection;
import java.util.HexFormat;
import java.util.TreeSet;

/**
 * Canonical JSON form of a policy and its SHA-256. Object members appear in a fixed order, sets are sorted and
 * rule order is kept (it decides which rule matches first), so equal configurations always give equal text.
 */
public final class CanonicalPolicy {

    /** Format version, part of the hashed text so that a format change also changes every hash. */
    private static final String FORMAT = "agent-gateway-policy/1";

    private CanonicalPolicy() {
    }

    /** Returns the SHA-256 of {@link #toJson(PolicyConfig)}, lower-case hex. */
    public static String sha256Hex(PolicyConfig config) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(toJson(config).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** Returns the canonical JSON text of {@code config}. */
    public static String toJson(PolicyConfig config) {
        StringBuilder out = new StringBuilder(256);
        out.append("{\"format\":");
        string(out, FORMAT);
        out.append(",\"operator\":");
        operator(out, config.operator());
        out.append(",\"rules\":[");
        for (int i = 0; i < config.rules().size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            rule(out, config.rules().get(i));
        }
        return out.append("]}").toString();
    }

    private static void operator(StringBuilder out, OperatorConfig operator) {
        out.append("{\"groups\":");
        sortedStrings(out, operator.groups());
        out.append(",\"required_amr\":");
        sortedStrings(out, operator.requiredAmr());
        out.append(",\"max_auth_age\":");
        Duration maxAuthAge = operator.maxAuthAge();
        string(out, maxAuthAge == null ? null : maxAuthAge.toString());
        out.append(",\"acr_values\":");
        string(out, operator.acrValues());
        out.append('}');
    }

    private static void rule(StringBuilder out, RuleConfig rule) {
        out.append("{\"id\":");
        string(out, rule.id());
        out.append(",\"class\":");
        string(out, rule.principals().principalClass());
        out.append(",\"issuers\":");
        sortedStrings(out, rule.principals().issuers());
        out.append(",\"subjects\":");
        sortedStrings(out, rule.principals().subjects());
        out.append(",\"groups\":");
        sortedStrings(out, rule.principals().groups());
        out.append(",\"tool\":");
        string(out, rule.tool());
        out.append(",\"methods\":");
        sortedStrings(out, rule.methods());
        out.append(",\"paths\":[");
        for (int i = 0; i < rule.paths().size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            string(out, rule.paths().get(i));
        }
        out.append("],\"scope\":");
        string(out, rule.scope());
        out.append('}');
    }

    private static void sortedStrings(StringBuilder out, Collection<String> values) {
        out.append('[');
        boolean first = true;
        for (String value : new TreeSet<>(values)) {
            if (!first) {
                out.append(',');
            }
            string(out, value);
            first = false;
        }
        out.append(']');
    }

    private static void string(StringBuilder out, String value) {
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
