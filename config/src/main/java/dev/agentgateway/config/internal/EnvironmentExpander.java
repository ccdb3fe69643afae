package dev.agentgateway.config.internal;

import dev.agentgateway.config.ConfigException;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} references in scalars with environment variable values. Expansion is a single pass:
 * a value that itself contains {@code ${...}} is inserted as it is.
 */
final class EnvironmentExpander {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}]*)}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Function<String, String> environment;
    private final ConfigErrors errors;

    EnvironmentExpander(Function<String, String> environment, ConfigErrors errors) {
        this.environment = environment;
        this.errors = errors;
    }

    /** Returns whether {@code text} contains a reference to expand. */
    static boolean hasReference(String text) {
        return text.contains("${");
    }

    /** Returns {@code text} with every reference replaced; {@code line} and {@code path} locate errors. */
    String expand(String text, int line, String path) throws ConfigException {
        Matcher matcher = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        int last = 0;
        while (matcher.find()) {
            String name = matcher.group(1);
            if (!NAME.matcher(name).matches()) {
                throw errors.at(line, path, "invalid environment reference " + ConfigErrors.quote(matcher.group()),
                        "${NAME} with NAME made of letters, digits and '_'");
            }
            String value = environment.apply(name);
            if (value == null) {
                throw errors.at(line, path, "environment variable " + name + " is not set",
                        "set " + name + " or remove the reference");
            }
            out.append(text, last, matcher.start()).append(value);
            last = matcher.end();
        }
        String rest = text.substring(last);
        if (rest.contains("${")) {
            throw errors.at(line, path, "unterminated environment reference", "${NAME}");
        }
        return out.append(rest).toString();
    }
}
