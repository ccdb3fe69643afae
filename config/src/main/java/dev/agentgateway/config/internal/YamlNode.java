package dev.agentgateway.config.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node of a parsed YAML document together with the line it starts on. Jackson's own tree model keeps no
 * locations, and every configuration error has to name its line.
 */
public sealed interface YamlNode permits YamlNode.Mapping, YamlNode.Sequence, YamlNode.Scalar {

    /** Returns the 1-based line the node starts on. */
    int line();

    /** Returns the node kind as used in error messages, for example {@code a list}. */
    String kindName();

    /**
     * A YAML mapping.
     *
     * @param entries entries in document order, keyed by the key text
     */
    record Mapping(int line, Map<String, Entry> entries) implements YamlNode {
        public Mapping {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String kindName() {
            return "a mapping";
        }
    }

    /**
     * One mapping entry.
     *
     * @param keyLine line of the key, where errors about the entry point
     * @param value the entry's value
     */
    record Entry(int keyLine, YamlNode value) {
    }

    /** A YAML sequence. */
    record Sequence(int line, List<YamlNode> items) implements YamlNode {
        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String kindName() {
            return "a list";
        }
    }

    /**
     * A YAML scalar after {@code ${NAME}} expansion.
     *
     * @param text the scalar's text as written, or as expanded
     * @param value the value YAML resolved: a {@link String}, {@link Number} or {@link Boolean}, or {@code null}
     *     for a YAML null ({@code ~}, {@code null} or nothing)
     */
    record Scalar(int line, String text, Object value) implements YamlNode {

        public boolean isNull() {
            return value == null;
        }

        @Override
        public String kindName() {
            if (value == null) {
                return "empty";
            }
            if (value instanceof Boolean) {
                return "a boolean";
            }
            return value instanceof Number ? "a number" : "a string";
        }
    }
}
