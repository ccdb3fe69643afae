package dev.agentgateway.config.internal;

import dev.agentgateway.config.AuditKafkaConfig;
import dev.agentgateway.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps {@code audit.kafka}. Client property values may hold passwords or JAAS settings, so no error message
 * quotes a property value: errors name the property and the problem only.
 */
final class KafkaExportSection {

    private static final List<String> KEYS = List.of("bootstrap-servers", "topic", "client-properties");
    private static final Pattern SERVER = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]+):(\\d{1,5})");
    private static final Pattern PROPERTY_NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    private static final String SERVERS_FORM = "a list of broker addresses host:port, at least one";
    private static final String SERVER_FORM = "host:port with port 1..65535, for example 127.0.0.1:9092";
    private static final String TOPIC_FORM = "1 to 249 characters of A-Z, a-z, 0-9, '.', '_' and '-', not . or ..";
    private static final String PROPERTY_VALUE_FORM = "a string value (write \"\" for an empty value)";

    private final Values values;
    private final ConfigErrors errors;

    KafkaExportSection(Values values) {
        this.values = values;
        this.errors = values.errors();
    }

    /** Returns the export configured under {@code audit}, or {@code null} when {@code kafka} is absent. */
    AuditKafkaConfig map(MappingReader audit) throws ConfigException {
        Optional<YamlNode> node = audit.optional("kafka");
        if (node.isEmpty()) {
            return null;
        }
        MappingReader kafka = MappingReader.of(errors, audit.path("kafka"), node.get(), KEYS);
        List<String> servers = servers(kafka.required("bootstrap-servers", SERVERS_FORM),
                kafka.path("bootstrap-servers"));
        String topic = topic(kafka.required("topic", TOPIC_FORM), kafka.path("topic"));
        Optional<YamlNode> properties = kafka.optional("client-properties");
        Map<String, String> clientProperties = properties.isPresent()
                ? clientProperties(properties.get(), kafka.path("client-properties"))
                : Map.of();
        return new AuditKafkaConfig(servers, topic, clientProperties);
    }

    /** Returns the broker addresses: a list, or a single string meaning a list of one. */
    private List<String> servers(YamlNode node, String path) throws ConfigException {
        if (node instanceof YamlNode.Scalar) {
            return List.of(server(node, path));
        }
        List<YamlNode> items = values.list(node, path, SERVERS_FORM);
        if (items.isEmpty()) {
            throw errors.at(node, path, "is an empty list", SERVERS_FORM);
        }
        List<String> servers = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            String itemPath = ConfigErrors.item(path, i);
            String server = server(items.get(i), itemPath);
            if (servers.contains(server)) {
                throw errors.at(items.get(i), itemPath, ConfigErrors.quote(server) + " is listed twice",
                        "distinct broker addresses");
            }
            servers.add(server);
        }
        return servers;
    }

    private String server(YamlNode node, String path) throws ConfigException {
        String text = values.nonEmptyString(node, path, SERVER_FORM);
        Matcher matcher = SERVER.matcher(text);
        if (!matcher.matches()) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " is not a broker address", SERVER_FORM);
        }
        String host = matcher.group(1);
        if (host.startsWith("[") && !UrlRules.isIpv6Literal(host.substring(1, host.length() - 1))) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " has an invalid IPv6 address", SERVER_FORM);
        }
        int port = Integer.parseInt(matcher.group(2));
        if (port < 1 || port > 65535) {
            throw errors.at(node, path, "port " + port + " is out of range", "1..65535");
        }
        return text;
    }

    /** Returns a topic name Kafka accepts: at most 249 legal characters, and not {@code .} or {@code ..}. */
    private String topic(YamlNode node, String path) throws ConfigException {
        String text = values.nonEmptyString(node, path, TOPIC_FORM);
        if (!TOPIC.matcher(text).matches() || text.equals(".") || text.equals("..")) {
            throw errors.at(node, path, ConfigErrors.quote(text) + " is not a valid Kafka topic name", TOPIC_FORM);
        }
        return text;
    }

    private Map<String, String> clientProperties(YamlNode node, String path) throws ConfigException {
        if (!(node instanceof YamlNode.Mapping mapping)) {
            throw errors.at(node, path, "is " + node.kindName(),
                    "a mapping of Kafka producer property names to values");
        }
        Map<String, String> properties = new LinkedHashMap<>();
        for (Map.Entry<String, YamlNode.Entry> entry : mapping.entries().entrySet()) {
            String name = entry.getKey();
            if (!PROPERTY_NAME.matcher(name).matches()) {
                throw errors.at(entry.getValue().keyLine(), path, ConfigErrors.quote(name)
                        + " is not a Kafka property name", "names of letters, digits, '.', '_' and '-'");
            }
            String propertyPath = ConfigErrors.child(path, name);
            if (AuditKafkaConfig.RESERVED_CLIENT_PROPERTIES.contains(name)) {
                throw errors.at(entry.getValue().keyLine(), propertyPath, "is set by the audit export itself",
                        "none of " + String.join(", ", AuditKafkaConfig.RESERVED_CLIENT_PROPERTIES));
            }
            properties.put(name, propertyValue(entry.getValue().value(), propertyPath));
        }
        return properties;
    }

    /** Returns a property's text. The value is never quoted in an error, because it may be a credential. */
    private String propertyValue(YamlNode node, String path) throws ConfigException {
        if (!(node instanceof YamlNode.Scalar scalar) || scalar.isNull()) {
            throw errors.at(node, path, "is " + node.kindName(), PROPERTY_VALUE_FORM);
        }
        return scalar.text();
    }
}
