package dev.agentgateway.config.internal;

import dev.agentgateway.config.ConfigException;
import dev.agentgateway.config.DPoPNonceMode;
import dev.agentgateway.config.NonceConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Maps {@code tokens.dpop-nonce} and the {@code dpop-nonce} mode of routes. Secrets never appear in an error
 * message: errors about them name the list index and the problem only.
 */
final class NonceSection {

    static final Duration MIN_LIFETIME = Duration.ofSeconds(5);
    static final Duration MAX_LIFETIME = Duration.ofMinutes(10);
    /** Minimum secret length in characters, so that a secret carries at least 256 bits even as plain ASCII. */
    static final int MIN_SECRET_LENGTH = 32;

    private static final List<String> KEYS = List.of("token-endpoint", "lifetime", "secrets");
    private static final String MODE_FORM = "off, offered or required";
    private static final String SECRETS_FORM = "a list of distinct secrets of at least " + MIN_SECRET_LENGTH
            + " characters";

    private final Values values;
    private final ConfigErrors errors;

    NonceSection(Values values) {
        this.values = values;
        this.errors = values.errors();
    }

    /** Returns the nonce settings under {@code key} of {@code tokens}, or the defaults when the key is absent. */
    NonceConfig map(MappingReader tokens, String key) throws ConfigException {
        Optional<YamlNode> node = tokens.optional(key);
        if (node.isEmpty()) {
            return NonceConfig.defaults();
        }
        MappingReader nonce = MappingReader.of(errors, tokens.path(key), node.get(), KEYS);
        DPoPNonceMode tokenEndpoint = nonce.optional("token-endpoint").isPresent()
                ? mode(nonce.optional("token-endpoint").get(), nonce.path("token-endpoint"))
                : DPoPNonceMode.OFF;
        Duration lifetime = values.duration(nonce, "lifetime", NonceConfig.DEFAULT_LIFETIME, MIN_LIFETIME,
                MAX_LIFETIME);
        List<String> secrets = nonce.optional("secrets").isPresent()
                ? secrets(nonce.optional("secrets").get(), nonce.path("secrets"))
                : List.of();
        return new NonceConfig(tokenEndpoint, lifetime, secrets);
    }

    /** Returns the mode in {@code node}: {@code off}, {@code offered} or {@code required}. */
    DPoPNonceMode mode(YamlNode node, String path) throws ConfigException {
        String text = values.string(node, path, MODE_FORM);
        for (DPoPNonceMode mode : DPoPNonceMode.values()) {
            if (mode.configName().equals(text)) {
                return mode;
            }
        }
        throw errors.at(node, path, ConfigErrors.quote(text) + " is not a DPoP nonce mode", MODE_FORM);
    }

    private List<String> secrets(YamlNode node, String path) throws ConfigException {
        List<YamlNode> items = values.list(node, path, SECRETS_FORM);
        List<String> secrets = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            String itemPath = ConfigErrors.item(path, i);
            String secret = values.nonEmptyString(items.get(i), itemPath, "a secret");
            int length = secret.codePointCount(0, secret.length());
            if (length < MIN_SECRET_LENGTH) {
                throw errors.at(items.get(i), itemPath, "secret has " + length + " characters",
                        "at least " + MIN_SECRET_LENGTH + " characters");
            }
            int earlier = secrets.indexOf(secret);
            if (earlier >= 0) {
                throw errors.at(items.get(i), itemPath, "secret is the same as " + ConfigErrors.item(path, earlier),
                        "distinct secrets");
            }
            secrets.add(secret);
        }
        return secrets;
    }
}
