package dev.agentgateway.config.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.agentgateway.config.ConfigException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Parses a YAML document into {@link YamlNode}s with their lines, using Jackson's streaming YAML parser. It
 * rejects duplicate keys, aliases (so alias expansion attacks cannot start), anchors on mappings and lists,
 * explicit tags, more than one document and nesting deeper than {@link #MAX_DEPTH}. Scalars have {@code ${NAME}}
 * references expanded.
 */
public final class YamlTreeReader {

    /** Maximum nesting of mappings and lists. The schema needs 6 levels and inline key sets a few more. */
    public static final int MAX_DEPTH = 20;

    private static final YAMLFactory FACTORY = YAMLFactory.builder().loaderOptions(loaderOptions()).build();

    private final ConfigErrors errors;
    private final EnvironmentExpander expander;

    // Path of the first key read on each line, so a syntax error on that line can name it.
    private final Map<Integer, String> firstPathOnLine = new HashMap<>();

    public YamlTreeReader(ConfigErrors errors, Function<String, String> environment) {
        this.errors = errors;
        this.expander = new EnvironmentExpander(environment, errors);
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(0);
        options.setNestingDepthLimit(MAX_DEPTH + 5);
        options.setCodePointLimit(ConfigLimits.MAX_BYTES);
        return options;
    }

    /** Parses {@code yaml}, which must hold exactly one document. */
    public YamlNode read(byte[] yaml) throws ConfigException {
        try (YAMLParser parser = FACTORY.createParser(yaml)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw errors.at(1, "", "the configuration is empty", "a YAML mapping with a routes key");
            }
            YamlNode root = readValue(parser, "", 0);
            if (parser.nextToken() != null) {
                throw errors.at(line(parser.currentTokenLocation()), "", "a second YAML document starts here",
                        "exactly one document");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw syntaxError(e);
        } catch (IOException e) {
            throw new ConfigException(errors.source() + ": reading failed: " + e.getMessage(), e);
        }
    }

    private YamlNode readValue(YAMLParser parser, String path, int depth) throws IOException, ConfigException {
        int line = line(parser.currentTokenLocation());
        rejectAnchorsAndTags(parser, line, path);
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
            if (depth >= MAX_DEPTH) {
                throw errors.at(line, path, "nesting is deeper than " + MAX_DEPTH + " levels", "a flatter document");
            }
            return token == JsonToken.START_OBJECT
                    ? readMapping(parser, path, depth, line)
                    : readSequence(parser, path, depth, line);
        }
        return readScalar(parser, path, line, token);
    }

    private void rejectAnchorsAndTags(YAMLParser parser, int line, String path) throws IOException,
            ConfigException {
        if (parser.isCurrentAlias()) {
            throw errors.at(line, path, "YAML alias *" + parser.getText() + " is not supported",
                    "the value written out in full");
        }
        // NOTE: Jackson 2.23 reports anchors on mappings and lists only, so an anchor on a scalar passes. It is
        // harmless, because every alias that could refer to it is rejected above.
        String anchor = parser.getObjectId();
        if (anchor != null) {
            throw errors.at(line, path, "YAML anchor &" + anchor + " is not supported",
                    "plain values without anchors");
        }
        String tag = parser.getTypeId();
        if (tag != null) {
            throw errors.at(line, path, "YAML tag " + ConfigErrors.quote(tag) + " is not supported",
                    "an untagged value");
        }
    }

    private YamlNode readMapping(YAMLParser parser, String path, int depth, int line)
            throws IOException, ConfigException {
        Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            int keyLine = line(parser.currentTokenLocation());
            String keyPath = ConfigErrors.child(path, key);
            remember(keyPath, keyLine);
            if (entries.containsKey(key)) {
                throw errors.at(keyLine, keyPath, "duplicate key, first defined on line "
                        + entries.get(key).keyLine(), "each key once per mapping");
            }
            parser.nextToken();
            entries.put(key, new YamlNode.Entry(keyLine, readValue(parser, keyPath, depth + 1)));
        }
        return new YamlNode.Mapping(line, entries);
    }

    private YamlNode readSequence(YAMLParser parser, String path, int depth, int line)
            throws IOException, ConfigException {
        List<YamlNode> items = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            items.add(readValue(parser, ConfigErrors.item(path, items.size()), depth + 1));
        }
        return new YamlNode.Sequence(line, items);
    }

    private YamlNode readScalar(YAMLParser parser, String path, int line, JsonToken token)
            throws IOException, ConfigException {
        String text = parser.getText();
        switch (token) {
            case VALUE_NULL:
                return new YamlNode.Scalar(line, text == null ? "" : text, null);
            case VALUE_TRUE:
            case VALUE_FALSE:
                return new YamlNode.Scalar(line, text, token == JsonToken.VALUE_TRUE);
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return new YamlNode.Scalar(line, text, parser.getNumberValue());
            default:
                break;
        }
        if (EnvironmentExpander.hasReference(text)) {
            text = expander.expand(text, line, path);
        }
        return new YamlNode.Scalar(line, text, text);
    }

    private void remember(String path, int line) {
        firstPathOnLine.putIfAbsent(line, path);
    }

    /**
     * Returns an error at the place where the YAML scanner found the problem, which may follow the token. The
     * error names a key path when a key was read on the problem's line, or, for a list, mapping or quoted value
     * left open, on the line where it was opened.
     */
    private ConfigException syntaxError(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
            int line = marked.getProblemMark().getLine() + 1;
            String path = firstPathOnLine.get(line);
            if (path == null && YamlSyntaxMessages.isUnclosed(marked)) {
                path = firstPathOnLine.get(marked.getContextMark().getLine() + 1);
            }
            return errors.at(line, path == null ? "" : path, "invalid YAML: " + YamlSyntaxMessages.describe(marked),
                    null);
        }
        return errors.at(line(e.getLocation()), "", "invalid YAML: " + firstLine(e.getOriginalMessage()), null);
    }

    private static int line(JsonLocation location) {
        return location == null ? 0 : Math.max(location.getLineNr(), 1);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "parse error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
