package dev.agentgateway.config.internal;

import java.util.Locale;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Rewords the YAML scanner's common syntax errors (SnakeYAML 2, as used by Jackson 2.23) into plain sentences.
 * Texts it does not know are passed on, starting in lower case and without a final period.
 */
final class YamlSyntaxMessages {

    private YamlSyntaxMessages() {
    }

    /** Returns whether {@code error} is about a flow list, flow mapping or quoted value that was never closed. */
    static boolean isUnclosed(MarkedYAMLException error) {
        String context = error.getContext() == null ? "" : error.getContext();
        boolean openConstruct = context.contains("flow sequence") || context.contains("flow mapping")
                || context.contains("quoted scalar");
        return openConstruct && error.getContextMark() != null;
    }

    /** Returns a plain description of {@code error}, naming the line where an unclosed construct started. */
    static String describe(MarkedYAMLException error) {
        String problem = error.getProblem() == null ? "" : error.getProblem();
        String unclosed = describeUnclosed(error, problem);
        if (unclosed != null) {
            return unclosed;
        }
        if (problem.startsWith("mapping values are not allowed")) {
            return "a ':' appears where no key may start (quote a value that contains ': ', or fix the indentation)";
        }
        if (problem.startsWith("expected <block end>")) {
            return "the indentation of this line does not match the lines above it";
        }
        if (problem.startsWith("expected the node content") && problem.contains("<stream end>")) {
            return "the file ends where a value was expected";
        }
        if (problem.startsWith("could not find expected ':'")) {
            return "a key is not followed by ':'";
        }
        if (problem.contains("'\\t(TAB)' that cannot start any token")) {
            return "a tab character is not allowed here (YAML indents with spaces only)";
        }
        if (problem.contains("that cannot start any token")) {
            return "a plain value cannot start with this character (quote the value)";
        }
        return plain(problem.isEmpty() ? "parse error" : problem);
    }

    /** Describes a list, mapping or quoted value left open, or returns {@code null} for other problems. */
    private static String describeUnclosed(MarkedYAMLException error, String problem) {
        String context = error.getContext() == null ? "" : error.getContext();
        String opened = error.getContextMark() == null ? ""
                : " (opened on line " + (error.getContextMark().getLine() + 1) + ")";
        if (problem.startsWith("expected ',' or ']'")) {
            return "a [...] list is missing a ',' between items or its closing ']'" + opened;
        }
        if (problem.startsWith("expected ',' or '}'")) {
            return "a {...} mapping is missing a ',' between entries or its closing '}'" + opened;
        }
        if (problem.startsWith("found unexpected end of stream") && context.contains("quoted scalar")) {
            return "a quoted value is not closed before the end of the file" + opened;
        }
        return null;
    }

    private static String plain(String text) {
        String sentence = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
        return sentence.substring(0, 1).toLowerCase(Locale.ROOT) + sentence.substring(1);
    }
}
