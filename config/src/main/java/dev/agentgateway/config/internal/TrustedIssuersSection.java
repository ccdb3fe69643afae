package dev.agentgateway.config.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentgateway.config.ConfigException;
import dev.agentgateway.config.JwksSource;
import dev.agentgateway.config.TrustedIssuerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Maps and validates {@code trusted-issuers}. */
final class TrustedIssuersSection {

    static final List<String> DEFAULT_ALGORITHMS = List.of("ES256", "ES384", "RS256", "PS256");
    static final List<String> DEFAULT_TOKEN_TYPES = List.of("JWT", "");

    /** Asymmetric JWS algorithms an identity provider may use (RFC 7518 section 3.1, RFC 8037, RFC 8812). */
    private static final List<String> SUPPORTED_ALGORITHMS = List.of("RS256", "RS384", "RS512", "PS256", "PS384",
            "PS512", "ES256", "ES384", "ES512", "ES256K", "EdDSA");
    private static final List<String> ISSUER_KEYS = List.of("issuer", "audiences", "algorithms", "token-types",
            "jwks");
    private static final List<String> JWKS_SOURCES = List.of("inline", "file", "url");
    private static final List<String> URL_OPTIONS = List.of("cache-lifetime", "refresh-min-interval",
            "outage-tolerance");
    private static final List<String> JWKS_KEYS = List.of("inline", "file", "url", "cache-lifetime",
            "refresh-min-interval", "outage-tolerance");
    private static final Duration MIN_REFRESH_INTERVAL = Duration.ofSeconds(1);
    private static final Duration MAX_CACHE_LIFETIME = Duration.ofHours(24);
    private static final Duration MAX_OUTAGE_TOLERANCE = Duration.ofDays(7);
    private static final String ISSUER_FORM = "an https URL without query or fragment (http only for loopback)";
    private static final String JWKS_URL_FORM = "an https URL (http only for loopback)";

    private final Values values;
    private final ConfigErrors errors;
    private final Path baseDirectory;

    TrustedIssuersSection(Values values, Path baseDirectory) {
        this.values = values;
        this.errors = values.errors();
        this.baseDirectory = baseDirectory;
    }

    List<TrustedIssuerConfig> map(MappingReader top) throws ConfigException {
        Optional<YamlNode> node = top.optional("trusted-issuers");
        if (node.isEmpty()) {
            return List.of();
        }
        List<YamlNode> items = values.list(node.get(), "trusted-issuers", "a list of issuer mappings");
        List<TrustedIssuerConfig> issuers = new ArrayList<>(items.size());
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String path = ConfigErrors.item("trusted-issuers", i);
            TrustedIssuerConfig issuer = issuer(items.get(i), path);
            Integer first = seen.putIfAbsent(issuer.issuer(), i);
            if (first != null) {
                throw errors.at(items.get(i), ConfigErrors.child(path, "issuer"), ConfigErrors.quote(issuer.issuer())
                        + " is already trusted-issuers[" + first + "]", "each issuer once");
            }
            issuers.add(issuer);
        }
        return issuers;
    }

    private TrustedIssuerConfig issuer(YamlNode node, String path) throws ConfigException {
        MappingReader mapping = MappingReader.of(errors, path, node, ISSUER_KEYS);
        String issuer = issuerUrl(mapping.required("issuer", ISSUER_FORM), mapping.path("issuer"));
        List<String> audiences = values.strings(mapping.required("audiences", "a list of at least one audience"),
                mapping.path("audiences"), "a list of non-empty audience strings", false);
        if (audiences.isEmpty()) {
            throw errors.at(mapping.optional("audiences").get(), mapping.path("audiences"), "is empty",
                    "at least one audience");
        }
        List<String> algorithms = mapping.has("algorithms")
                ? algorithms(mapping.optional("algorithms").get(), mapping.path("algorithms"))
                : DEFAULT_ALGORITHMS;
        List<String> tokenTypes = mapping.has("token-types")
                ? tokenTypes(mapping.optional("token-types").get(), mapping.path("token-types"))
                : DEFAULT_TOKEN_TYPES;
        JwksSource jwks = jwks(mapping.required("jwks", "a mapping with one of inline, file or url"),
                mapping.path("jwks"));
        return new TrustedIssuerConfig(issuer, jwks, new LinkedHashSet<>(audiences),
                new LinkedHashSet<>(algorithms), new LinkedHashSet<>(tokenTypes));
    }

    private String issuerUrl(YamlNode node, String path) throws ConfigException {
        String text = values.nonEmptyString(node, path, ISSUER_FORM);
        URI uri = secureUrl(node, path, text, ISSUER_FORM);
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " has a query or fragment", ISSUER_FORM);
        }
        return text;
    }

    /** Returns {@code text} as an https URL, or an http URL whose host is a loopback address. */
    private URI secureUrl(YamlNode node, String path, String text, String expected) throws ConfigException {
        URI uri = UrlRules.parseAbsolute(text);
        if (uri == null || uri.getHost() == null) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " is not a URL with a host", expected);
        }
        if (uri.getRawUserInfo() != null) {
            throw errors.at(node, path, "URL contains user information", expected);
        }
        String scheme = UrlRules.scheme(uri);
        boolean secure = scheme.equals("https") || scheme.equals("http") && UrlRules.isLoopbackHost(uri.getHost());
        if (!secure) {
            String problem = scheme.equals("http") ? " uses http for a host that is not loopback" : " is not https";
            throw errors.at(node, path, ConfigErrors.quote(text) + problem, expected);
        }
        return uri;
    }

    private List<String> algorithms(YamlNode node, String path) throws ConfigException {
        String expected = "asymmetric JWS algorithms from " + String.join(", ", SUPPORTED_ALGORITHMS);
        List<String> algorithms = values.strings(node, path, expected, false);
        if (algorithms.isEmpty()) {
            throw errors.at(node, path, "is empty", expected);
        }
        List<YamlNode> items = values.list(node, path, expected);
        for (int i = 0; i < algorithms.size(); i++) {
            String algorithm = algorithms.get(i);
            String lowerCase = algorithm.toLowerCase(Locale.ROOT);
            String itemPath = ConfigErrors.item(path, i);
            if (lowerCase.equals("none")) {
                throw errors.at(items.get(i), itemPath, "\"none\" would accept unsigned tokens", expected);
            }
            if (lowerCase.startsWith("hs")) {
                throw errors.at(items.get(i), itemPath, ConfigErrors.quote(algorithm)
                        + " is an HMAC algorithm, whose shared secret would let the gateway forge tokens", expected);
            }
            if (!SUPPORTED_ALGORITHMS.contains(algorithm)) {
                throw errors.at(items.get(i), itemPath, ConfigErrors.quote(algorithm) + " is not a supported algorithm",
                        expected);
            }
        }
        return algorithms;
    }

    private List<String> tokenTypes(YamlNode node, String path) throws ConfigException {
        String expected = "a list of JOSE typ values, \"\" for tokens without typ";
        List<String> tokenTypes = values.strings(node, path, expected, true);
        if (tokenTypes.isEmpty()) {
            throw errors.at(node, path, "is empty", expected);
        }
        return tokenTypes;
    }

    private JwksSource jwks(YamlNode node, String path) throws ConfigException {
        MappingReader mapping = MappingReader.of(errors, path, node, JWKS_KEYS);
        List<String> present = JWKS_SOURCES.stream().filter(mapping::has).toList();
        if (present.size() != 1) {
            String problem = present.isEmpty() ? "names no key source" : "names " + String.join(" and ", present);
            throw errors.at(node, path, problem, "exactly one of inline, file or url");
        }
        String key = present.get(0);
        YamlNode value = mapping.optional(key).get();
        String valuePath = mapping.path(key);
        if (!key.equals("url")) {
            for (String option : URL_OPTIONS) {
                if (mapping.has(option)) {
                    throw errors.at(mapping.optional(option).get(), mapping.path(option), "applies only to a key set "
                            + "fetched from a URL", "url together with " + option + ", or no " + option);
                }
            }
        }
        return switch (key) {
            case "inline" -> inline(value, valuePath);
            case "file" -> file(value, valuePath);
            default -> url(mapping, value, valuePath);
        };
    }

    private JwksSource url(MappingReader mapping, YamlNode value, String valuePath) throws ConfigException {
        URI url = secureUrl(value, valuePath, values.nonEmptyString(value, valuePath, JWKS_URL_FORM), JWKS_URL_FORM);
        Duration cacheLifetime = values.duration(mapping, "cache-lifetime", JwksSource.FromUrl.DEFAULT_CACHE_LIFETIME,
                MIN_REFRESH_INTERVAL, MAX_CACHE_LIFETIME);
        Duration refreshMinInterval = values.duration(mapping, "refresh-min-interval",
                JwksSource.FromUrl.DEFAULT_REFRESH_MIN_INTERVAL, MIN_REFRESH_INTERVAL, MAX_CACHE_LIFETIME);
        Duration outageTolerance = values.duration(mapping, "outage-tolerance", JwksSource.FromUrl.DEFAULT_OUTAGE_TOLERANCE,
                Duration.ZERO, MAX_OUTAGE_TOLERANCE);
        if (refreshMinInterval.compareTo(cacheLifetime) > 0) {
            YamlNode at = mapping.optional("refresh-min-interval").orElse(mapping.optional("cache-lifetime")
                    .orElse(value));
            throw errors.at(at, mapping.path("refresh-min-interval"), Values.format(refreshMinInterval)
                    + " is longer than cache-lifetime " + Values.format(cacheLifetime),
                    "at most the cache lifetime, so an expired key set can be fetched again");
        }
        return new JwksSource.FromUrl(url, cacheLifetime, refreshMinInterval, outageTolerance);
    }

    private JwksSource inline(YamlNode node, String path) throws ConfigException {
        String expected = "a JWK set: a mapping with a keys list, or the same as a JSON string";
        JsonNode jwks;
        if (node instanceof YamlNode.Mapping) {
            jwks = JwksText.fromYaml(node);
        } else {
            jwks = parseJson(node, path, values.string(node, path, expected), expected);
        }
        checkShape(node, path, jwks, expected);
        return new JwksSource.Inline(JwksText.write(jwks));
    }

    private JwksSource file(YamlNode node, String path) throws ConfigException {
        Path file = values.path(node, path, baseDirectory);
        String expected = "a readable JWK set file, relative paths resolve against " + baseDirectory;
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw errors.at(node, path, "file " + ConfigErrors.quote(file.toString()) + " does not exist or is"
                    + " not a readable file", expected);
        }
        String json = readBounded(node, path, file, expected);
        checkShape(node, path, parseJson(node, path, json, expected), expected);
        return new JwksSource.FromFile(file);
    }

    private String readBounded(YamlNode node, String path, Path file, String expected) throws ConfigException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(ConfigLimits.MAX_BYTES + 1);
            if (bytes.length > ConfigLimits.MAX_BYTES) {
                throw errors.at(node, path, "file " + ConfigErrors.quote(file.toString()) + " is larger than "
                        + ConfigLimits.MAX_BYTES + " bytes", expected);
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw errors.at(node, path, "reading " + ConfigErrors.quote(file.toString()) + " failed: "
                    + e.getMessage(), expected);
        }
    }

    private JsonNode parseJson(YamlNode node, String path, String json, String expected) throws ConfigException {
        try {
            return JwksText.parse(json);
        } catch (IllegalArgumentException e) {
            throw errors.at(node, path, "JWK set " + e.getMessage(), expected);
        }
    }

    private void checkShape(YamlNode node, String path, JsonNode jwks, String expected) throws ConfigException {
        String problem = JwksText.problem(jwks);
        if (problem != null) {
            throw errors.at(node, path, "JWK set " + problem, expected);
        }
    }
}
