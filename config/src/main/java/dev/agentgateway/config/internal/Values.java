package dev.agentgateway.config.internal;

import dev.agentgateway.config.ConfigException;
import dev.agentgateway.config.ListenerConfig;
import dev.agentgateway.config.PrintableText;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Converts scalar and list nodes to typed values, raising located errors for anything else. */
final class Values {

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
    private static final Pattern LISTENER = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]+):(\\d{1,5})");
    private static final String DURATION_FORM = "a duration such as 250ms, 5s, 10m, 12h or PT5M";

    /** Most digits of a whole number, so every accepted value fits a {@code long}. */
    static final int MAX_WHOLE_NUMBER_DIGITS = 18;

    private final ConfigErrors errors;

    Values(ConfigErrors errors) {
        this.errors = errors;
    }

    ConfigErrors errors() {
        return errors;
    }

    /** Returns the text of a non-null scalar; numbers and booleans count as their text. */
    String string(YamlNode node, String path, String expected) throws ConfigException {
        if (!(node instanceof YamlNode.Scalar scalar) || scalar.isNull()) {
            throw errors.at(node, path, "is " + node.kindName(), expected);
        }
        return scalar.text();
    }

    /**
     * Returns the text of a non-empty scalar. Such values end up in tokens, headers, log lines and policy matches.
     * Control characters, line and paragraph separators, bidirectional and zero-width format characters, the byte
     * order mark and unpaired surrogates are rejected, because they could split a header or make two different
     * values look alike.
     */
    String nonEmptyString(YamlNode node, String path, String expected) throws ConfigException {
        String text = string(node, path, expected);
        if (text.isEmpty()) {
            throw errors.at(node, path, "is empty", expected);
        }
        int index = PrintableText.firstRejectedCharacter(text);
        if (index >= 0) {
            throw errors.at(node, path, "contains " + PrintableText.describe(text, index),
                    expected + " without control or invisible format characters");
        }
        return text;
    }

    /** Returns the items of a list node. */
    List<YamlNode> list(YamlNode node, String path, String expected) throws ConfigException {
        if (!(node instanceof YamlNode.Sequence sequence)) {
            throw errors.at(node, path, "is " + node.kindName(), expected);
        }
        return sequence.items();
    }

    /**
     * Returns the strings of a list node in order, rejecting duplicates and, when {@code allowEmptyItems} is
     * false, empty strings.
     */
    List<String> strings(YamlNode node, String path, String expected, boolean allowEmptyItems)
            throws ConfigException {
        List<YamlNode> items = list(node, path, expected);
        List<String> values = new ArrayList<>(items.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String itemPath = ConfigErrors.item(path, i);
            String value = allowEmptyItems
                    ? string(items.get(i), itemPath, expected)
                    : nonEmptyString(items.get(i), itemPath, expected);
            if (!seen.add(value)) {
                throw errors.at(items.get(i), itemPath, ConfigErrors.quote(value) + " is listed twice",
                        "distinct values");
            }
            values.add(value);
        }
        return values;
    }

    /** Returns the duration at {@code key} of {@code mapping} within {@code min..max}, or the default when absent. */
    Duration duration(MappingReader mapping, String key, Duration defaultValue, Duration min, Duration max)
            throws ConfigException {
        Optional<YamlNode> node = mapping.optional(key);
        return node.isPresent() ? duration(node.get(), mapping.path(key), min, max) : defaultValue;
    }

    /**
     * Returns a whole number of at least {@code min}, written as 1 to {@value #MAX_WHOLE_NUMBER_DIGITS} decimal
     * digits.
     *
     * @param expected what the key accepts, for the error message
     */
    long wholeNumber(YamlNode node, String path, long min, String expected) throws ConfigException {
        return wholeNumber(node, path, min, Long.MAX_VALUE, expected);
    }

    /**
     * Returns the whole number at {@code key} of {@code mapping} within {@code min..max}, both inclusive, or the
     * default when the key is absent.
     */
    long wholeNumber(MappingReader mapping, String key, long defaultValue, long min, long max)
            throws ConfigException {
        Optional<YamlNode> node = mapping.optional(key);
        return node.isPresent()
                ? wholeNumber(node.get(), mapping.path(key), min, max, "a whole number in " + min + ".." + max)
                : defaultValue;
    }

    /** Returns a whole number within {@code min..max}, both inclusive, written as decimal digits only. */
    long wholeNumber(YamlNode node, String path, long min, long max, String expected) throws ConfigException {
        String text = string(node, path, expected);
        boolean digits = !text.isEmpty() && text.length() <= MAX_WHOLE_NUMBER_DIGITS
                && text.chars().allMatch(c -> c >= '0' && c <= '9');
        if (!digits) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " is not a whole number", expected);
        }
        long number = Long.parseLong(text);
        if (number < min || number > max) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " is out of range", expected);
        }
        return number;
    }

    /** Returns a duration within {@code min..max}, both inclusive. */
    Duration duration(YamlNode node, String path, Duration min, Duration max) throws ConfigException {
        String range = format(min) + ".." + format(max);
        String text = string(node, path, DURATION_FORM + " in " + range);
        Duration duration = parseDuration(text);
        if (duration == null) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " is not a duration", DURATION_FORM);
        }
        if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " is out of range", range);
        }
        return duration;
    }

    private static Duration parseDuration(String text) {
        Matcher matcher = SHORT_DURATION.matcher(text);
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            return switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        }
        if (!text.startsWith("P") && !text.startsWith("p")) {
            return null;
        }
        try {
            Duration duration = Duration.parse(text);
            return duration.isNegative() ? null : duration;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Returns {@code duration} in the short form used in configuration files, for example {@code 300s}. */
    static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        if (duration.toMillis() % 1000 != 0) {
            return duration.toMillis() + "ms";
        }
        long seconds = duration.toSeconds();
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        return seconds % 60 == 0 && seconds >= 600 ? seconds / 60 + "m" : seconds + "s";
    }

    /** Returns a {@code host:port} listener; IPv6 hosts are written in brackets and stored without them. */
    ListenerConfig listener(YamlNode node, String path) throws ConfigException {
        String expected = "host:port, for example 127.0.0.1:8080 or [::1]:8080";
        String text = string(node, path, expected);
        Matcher matcher = LISTENER.matcher(text);
        if (!matcher.matches()) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " is not a listener address", expected);
        }
        int port = Integer.parseInt(matcher.group(2));
        if (port > 65535) {
            throw errors.at(node, path, "port " + port + " is out of range", "0..65535");
        }
        String host = matcher.group(1);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
            if (!UrlRules.isIpv6Literal(host)) {
                throw errors.at(node, path, ConfigErrors.quote(text) + " has an invalid IPv6 address", expected);
            }
        }
        return new ListenerConfig(host, port);
    }

    /** Returns the path in {@code node}, resolved against {@code baseDirectory} when relative. */
    Path path(YamlNode node, String path, Path baseDirectory) throws ConfigException {
        String text = nonEmptyString(node, path, "a file system path");
        try {
            return baseDirectory.resolve(text).normalize();
        } catch (InvalidPathException e) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " is not a valid path: " + e.getReason(),
                    "a file system path");
        }
    }
}
