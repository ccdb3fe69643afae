package dev.agentgateway.config.internal;

import dev.agentgateway.config.ConfigException;

/**
 * Builds configuration errors in the form {@code <source>:<line>: <key.path>: <problem> (expected: <what>)}.
 *
 * @param source file name or description of the configuration source
 */
public record ConfigErrors(String source) {

    /** Maximum length of a value quoted in a message. Longer values are cut and end in {@code ...}. */
    private static final int MAX_QUOTED_CHARS = 120;

    /** Returns an error about the value or key at {@code line} and {@code path}. */
    public ConfigException at(int line, String path, String problem, String expected) {
        StringBuilder message = new StringBuilder(source).append(':').append(line).append(": ");
        if (!path.isEmpty()) {
            message.append(path).append(": ");
        }
        message.append(problem);
        if (expected != null) {
            message.append(" (expected: ").append(expected).append(')');
        }
        return new ConfigException(message.toString());
    }

    /** Returns an error about {@code node}. */
    public ConfigException at(YamlNode node, String path, String problem, String expected) {
        return at(node.line(), path, problem, expected);
    }

    /**
     * Returns {@code value} in double quotes with quotes, backslashes and control characters escaped as in JSON, so
     * a message stays on one line whatever the value contains.
     */
    public static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        int end = Math.min(value.length(), MAX_QUOTED_CHARS);
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (end < value.length()) {
            out.append("...");
        }
        return out.append('"').toString();
    }

    /** Returns {@code parent.key}, or {@code key} at the top level. */
    public static String child(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    /** Returns {@code parent[index]}. */
    public static String item(String parent, int index) {
        return parent + "[" + index + "]";
    }
}
