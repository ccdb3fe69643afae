package dev.agentgateway.config.internal;

import dev.agentgateway.config.ConfigException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one mapping of the configuration: rejects keys outside {@code knownKeys} on construction, then hands out
 * values by key together with their key paths.
 */
final class MappingReader {

    private final ConfigErrors errors;
    private final String path;
    private final YamlNode.Mapping mapping;

    private MappingReader(ConfigErrors errors, String path, YamlNode.Mapping mapping) {
        this.errors = errors;
        this.path = path;
        this.mapping = mapping;
    }

    /** Returns a reader for {@code node}, which must be a mapping holding only {@code knownKeys}. */
    static MappingReader of(ConfigErrors errors, String path, YamlNode node, List<String> knownKeys)
            throws ConfigException {
        if (!(node instanceof YamlNode.Mapping mapping)) {
            throw errors.at(node, path, "is " + node.kindName(),
                    "a mapping with keys " + String.join(", ", knownKeys));
        }
        for (Map.Entry<String, YamlNode.Entry> entry : mapping.entries().entrySet()) {
            if (!knownKeys.contains(entry.getKey())) {
                throw unknownKey(errors, ConfigErrors.child(path, entry.getKey()), entry.getKey(),
                        entry.getValue().keyLine(), knownKeys);
            }
        }
        return new MappingReader(errors, path, mapping);
    }

    private static ConfigException unknownKey(ConfigErrors errors, String keyPath, String key, int line,
            List<String> knownKeys) {
        String suggestion = closest(key, knownKeys);
        if (suggestion != null) {
            return errors.at(line, keyPath, "unknown key, did you mean " + suggestion + "?", suggestion);
        }
        return errors.at(line, keyPath, "unknown key", "one of " + String.join(", ", knownKeys));
    }

    /** Returns the known key {@code key} was most likely meant to be, or {@code null} when none is close. */
    static String closest(String key, List<String> knownKeys) {
        String normalized = key.toLowerCase(Locale.ROOT).replace('_', '-');
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String known : knownKeys) {
            int distance = known.equals(normalized) ? 0 : editDistance(normalized, known);
            if (distance < bestDistance) {
                best = known;
                bestDistance = distance;
            }
        }
        return bestDistance <= 2 ? best : null;
    }

    /** Returns the Levenshtein distance between {@code a} and {@code b}. */
    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** Returns the value of {@code key}, or empty when the key is absent. */
    Optional<YamlNode> optional(String key) {
        YamlNode.Entry entry = mapping.entries().get(key);
        return entry == null ? Optional.empty() : Optional.of(entry.value());
    }

    /** Returns the value of {@code key}, or raises a "missing" error that names the expected value. */
    YamlNode required(String key, String expected) throws ConfigException {
        YamlNode.Entry entry = mapping.entries().get(key);
        if (entry == null) {
            throw errors.at(mapping.line(), path(key), "missing", expected);
        }
        return entry.value();
    }

    /** Returns whether {@code key} is present. */
    boolean has(String key) {
        return mapping.entries().containsKey(key);
    }

    /** Returns the key path of {@code key} in this mapping. */
    String path(String key) {
        return ConfigErrors.child(path, key);
    }

    /** Returns the line the mapping starts on. */
    int line() {
        return mapping.line();
    }
}
