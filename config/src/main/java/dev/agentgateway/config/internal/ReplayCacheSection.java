package dev.agentgateway.config.internal;

import dev.agentgateway.config.ConfigException;
import dev.agentgateway.config.ReplayCacheConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Maps {@code tokens.replay-cache}: {@code type} {@code memory} with {@code max-entries}, or {@code type}
 * {@code redis} with {@code uri}, {@code command-timeout} and {@code key-prefix}. A key of the other type is an
 * error rather than ignored, so a cache that was meant to be shared never silently stays in memory.
 */
final class ReplayCacheSection {

    private static final String MEMORY = "memory";
    private static final String REDIS = "redis";
    private static final List<String> KEYS = List.of("type", "max-entries", "uri", "command-timeout", "key-prefix");
    private static final List<String> MEMORY_KEYS = List.of("type", "max-entries");
    private static final List<String> REDIS_KEYS = List.of("type", "uri", "command-timeout", "key-prefix");

    private static final Duration MIN_COMMAND_TIMEOUT = Duration.ofMillis(10);
    private static final Duration MAX_COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern DATABASE_PATH = Pattern.compile("(/\\d{0,5})?");
    private static final String URI_FORM = "redis://[[user]:password@]host[:port][/database], or rediss:// for TLS";

    private final Values values;
    private final ConfigErrors errors;

    ReplayCacheSection(Values values) {
        this.values = values;
        this.errors = values.errors();
    }

    /** Returns the replay cache configured under {@code tokens}, or the in-memory default when absent. */
    ReplayCacheConfig map(MappingReader tokens) throws ConfigException {
        Optional<YamlNode> node = tokens.optional("replay-cache");
        if (node.isEmpty()) {
            return ReplayCacheConfig.defaults();
        }
        MappingReader cache = MappingReader.of(errors, tokens.path("replay-cache"), node.get(), KEYS);
        String type = type(cache);
        rejectKeysOfOtherType(cache, type);
        return type.equals(REDIS) ? redis(cache) : memory(cache);
    }

    private String type(MappingReader cache) throws ConfigException {
        Optional<YamlNode> node = cache.optional("type");
        if (node.isEmpty()) {
            return MEMORY;
        }
        String type = values.string(node.get(), cache.path("type"), "memory or redis");
        if (!type.equals(MEMORY) && !type.equals(REDIS)) {
            throw errors.at(node.get(), cache.path("type"), ConfigErrors.quote(type)
                    + " is not a replay cache type", "memory or redis");
        }
        return type;
    }

    private void rejectKeysOfOtherType(MappingReader cache, String type) throws ConfigException {
        List<String> allowed = type.equals(REDIS) ? REDIS_KEYS : MEMORY_KEYS;
        String otherType = type.equals(REDIS) ? MEMORY : REDIS;
        for (String key : KEYS) {
            Optional<YamlNode> node = cache.optional(key);
            if (node.isPresent() && !allowed.contains(key)) {
                throw errors.at(node.get(), cache.path(key), "applies only to type " + otherType,
                        "type: " + otherType + ", or no " + key + " with type " + type);
            }
        }
    }

    private ReplayCacheConfig.Memory memory(MappingReader cache) throws ConfigException {
        Optional<YamlNode> node = cache.optional("max-entries");
        if (node.isEmpty()) {
            return new ReplayCacheConfig.Memory(ReplayCacheConfig.DEFAULT_MAX_ENTRIES);
        }
        long maxEntries = values.wholeNumber(node.get(), cache.path("max-entries"), 1,
                "a whole number of at least 1");
        return new ReplayCacheConfig.Memory(maxEntries);
    }

    private ReplayCacheConfig.Redis redis(MappingReader cache) throws ConfigException {
        URI uri = uri(cache.required("uri", URI_FORM), cache.path("uri"));
        Duration commandTimeout = values.duration(cache, "command-timeout",
                ReplayCacheConfig.Redis.DEFAULT_COMMAND_TIMEOUT, MIN_COMMAND_TIMEOUT, MAX_COMMAND_TIMEOUT);
        Optional<YamlNode> prefix = cache.optional("key-prefix");
        String keyPrefix = prefix.isPresent()
                ? values.nonEmptyString(prefix.get(), cache.path("key-prefix"), "a Redis key prefix")
                : ReplayCacheConfig.Redis.DEFAULT_KEY_PREFIX;
        return new ReplayCacheConfig.Redis(uri, commandTimeout, keyPrefix);
    }

    /** Parses a Redis URI. Messages quote it with its user information masked, because it may hold a password. */
    private URI uri(YamlNode node, String path) throws ConfigException {
        String text = values.nonEmptyString(node, path, URI_FORM);
        String maskedUri = ConfigErrors.quote(text.replaceFirst("://[^/?#]*@", "://****@"));
        URI uri = UrlRules.parseAbsolute(text);
        if (uri == null) {
            throw errors.at(node, path, maskedUri + " is not an absolute URI", URI_FORM);
        }
        String scheme = UrlRules.scheme(uri);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw errors.at(node, path, maskedUri + " is not a redis or rediss URI", URI_FORM);
        }
        if (uri.getHost() == null) {
            throw errors.at(node, path, maskedUri + " has no host", URI_FORM);
        }
        if (uri.getPort() > 65535) {
            throw errors.at(node, path, maskedUri + " has port " + uri.getPort() + ", which is out of range", URI_FORM);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw errors.at(node, path, maskedUri + " has a query or fragment", URI_FORM);
        }
        if (!DATABASE_PATH.matcher(uri.getRawPath()).matches()) {
            throw errors.at(node, path, maskedUri + " has a path that is not a database number", URI_FORM);
        }
        return uri;
    }
}
