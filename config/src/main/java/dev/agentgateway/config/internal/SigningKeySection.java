package dev.agentgateway.config.internal;

import dev.agentgateway.config.ConfigException;
import dev.agentgateway.config.SigningKeyConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Maps a {@code signing-key} mapping with an optional {@code path} and {@code algorithm}, for the token signing
 * key at the top level and for the audit key under {@code audit}.
 */
final class SigningKeySection {

    private final Values values;
    private final ConfigErrors errors;
    private final Path baseDirectory;

    SigningKeySection(Values values, Path baseDirectory) {
        this.values = values;
        this.errors = values.errors();
        this.baseDirectory = baseDirectory;
    }

    /**
     * Returns the key configured under {@code signing-key} in {@code parent}, with {@code defaultPath} and
     * {@code algorithms.get(0)} where the mapping or a key is absent.
     *
     * @param kind words naming the key in errors, for example {@code signing} or {@code audit key}
     * @param algorithms accepted algorithms, the default first
     */
    SigningKeyConfig map(MappingReader parent, Path defaultPath, String kind, List<String> algorithms)
            throws ConfigException {
        Optional<YamlNode> node = parent.optional("signing-key");
        if (node.isEmpty()) {
            return new SigningKeyConfig(defaultPath, algorithms.get(0));
        }
        MappingReader key = MappingReader.of(errors, parent.path("signing-key"), node.get(),
                List.of("path", "algorithm"));
        Optional<YamlNode> pathNode = key.optional("path");
        Path path = pathNode.isPresent() ? values.path(pathNode.get(), key.path("path"), baseDirectory) : defaultPath;
        Optional<YamlNode> algorithmNode = key.optional("algorithm");
        if (algorithmNode.isEmpty()) {
            return new SigningKeyConfig(path, algorithms.get(0));
        }
        String expected = String.join(" or ", algorithms);
        String algorithm = values.string(algorithmNode.get(), key.path("algorithm"), expected);
        if (!algorithms.contains(algorithm)) {
            throw errors.at(algorithmNode.get(), key.path("algorithm"),
                    ConfigErrors.quote(algorithm) + " is not a supported " + kind + " algorithm", expected);
        }
        return new SigningKeyConfig(path, algorithm);
    }
}
