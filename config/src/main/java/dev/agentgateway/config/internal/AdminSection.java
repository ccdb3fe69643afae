package dev.agentgateway.config.internal;

import dev.agentgateway.config.AdminConfig;
import dev.agentgateway.config.AdminCredential;
import dev.agentgateway.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Maps {@code admin}: the bearer credentials of the admin listener's authenticated endpoints. A credential is
 * configured by the SHA-256 of its token only. Errors never quote that hash, because a leaked hash lets anyone
 * match a candidate token against it offline.
 */
final class AdminSection {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final String CREDENTIALS_FORM = "a list of credentials with keys name, token-sha256";
    private static final String NAME_FORM = "[a-z0-9][a-z0-9._-]*, for example siem";
    private static final String HASH_FORM = "64 lowercase hex digits: the SHA-256 of the bearer token";

    private final Values values;
    private final ConfigErrors errors;

    AdminSection(Values values) {
        this.values = values;
        this.errors = values.errors();
    }

    /** Returns the admin settings under {@code top}, or no credentials when {@code admin} is absent. */
    AdminConfig map(MappingReader top) throws ConfigException {
        Optional<YamlNode> node = top.optional("admin");
        if (node.isEmpty()) {
            return AdminConfig.none();
        }
        MappingReader admin = MappingReader.of(errors, "admin", node.get(), List.of("credentials"));
        Optional<YamlNode> credentials = admin.optional("credentials");
        return credentials.isPresent()
                ? new AdminConfig(credentials(credentials.get(), admin.path("credentials")))
                : AdminConfig.none();
    }

    private List<AdminCredential> credentials(YamlNode node, String path) throws ConfigException {
        List<YamlNode> items = values.list(node, path, CREDENTIALS_FORM);
        List<AdminCredential> credentials = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            String itemPath = ConfigErrors.item(path, i);
            MappingReader item = MappingReader.of(errors, itemPath, items.get(i), List.of("name", "token-sha256"));
            AdminCredential credential = new AdminCredential(name(item), tokenSha256(item));
            rejectRepeat(item, path, credentials, credential);
            credentials.add(credential);
        }
        return credentials;
    }

    private String name(MappingReader item) throws ConfigException {
        YamlNode node = item.required("name", NAME_FORM);
        String name = values.nonEmptyString(node, item.path("name"), NAME_FORM);
        if (!NAME.matcher(name).matches()) {
            throw errors.at(node, item.path("name"), ConfigErrors.quote(name) + " is not a credential name",
                    NAME_FORM);
        }
        return name;
    }

    private String tokenSha256(MappingReader item) throws ConfigException {
        YamlNode node = item.required("token-sha256", HASH_FORM);
        if (!(node instanceof YamlNode.Scalar scalar) || scalar.isNull()) {
            throw errors.at(node, item.path("token-sha256"), "is " + node.kindName(), HASH_FORM);
        }
        String hash = scalar.text();
        if (hash.isEmpty()) {
            throw errors.at(node, item.path("token-sha256"), "is empty", HASH_FORM);
        }
        if (!HEX_SHA256.matcher(hash).matches()) {
            throw errors.at(node, item.path("token-sha256"),
                    "is not a lowercase hex SHA-256 value (" + hash.length() + " characters)", HASH_FORM);
        }
        return hash;
    }

    /** Rejects a name or token hash used by an earlier credential, so every accepted token maps to one name. */
    private void rejectRepeat(MappingReader item, String path, List<AdminCredential> earlier,
            AdminCredential credential) throws ConfigException {
        for (int j = 0; j < earlier.size(); j++) {
            if (earlier.get(j).name().equals(credential.name())) {
                throw errors.at(item.optional("name").orElseThrow(), item.path("name"),
                        ConfigErrors.quote(credential.name()) + " is already the name of "
                                + ConfigErrors.item(path, j), "distinct credential names");
            }
            if (earlier.get(j).tokenSha256().equals(credential.tokenSha256())) {
                throw errors.at(item.optional("token-sha256").orElseThrow(), item.path("token-sha256"),
                        "is the same as " + ConfigErrors.item(path, j) + ".token-sha256",
                        "a distinct token for each credential");
            }
        }
    }
}
