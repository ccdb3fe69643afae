package dev.agentgateway.config.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Turns a JWK set (RFC 7517) written in the configuration into compact JSON text and checks its shape: a JSON
 * object whose {@code keys} member is a non-empty array of objects that each have a {@code kty} and no private
 * or symmetric key material.
 */
final class JwksText {

    /** JWK members that carry private or secret key material (RFC 7518 sections 6.2.2, 6.3.2 and 6.4.1). */
    private static final List<String> PRIVATE_MEMBERS = List.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(YamlTreeReader.MAX_DEPTH).build())
            .build()).build();

    private JwksText() {
    }

    /** Returns the JSON text of a YAML mapping. */
    static JsonNode fromYaml(YamlNode node) {
        return toJson(node);
    }

    private static JsonNode toJson(YamlNode node) {
        JsonNodeFactory factory = JsonNodeFactory.instance;
        if (node instanceof YamlNode.Mapping mapping) {
            ObjectNode object = factory.objectNode();
            for (Map.Entry<String, YamlNode.Entry> entry : mapping.entries().entrySet()) {
                object.set(entry.getKey(), toJson(entry.getValue().value()));
            }
            return object;
        }
        if (node instanceof YamlNode.Sequence sequence) {
            ArrayNode array = factory.arrayNode();
            for (YamlNode item : sequence.items()) {
                array.add(toJson(item));
            }
            return array;
        }
        Object value = ((YamlNode.Scalar) node).value();
        if (value == null) {
            return factory.nullNode();
        }
        if (value instanceof Boolean bool) {
            return factory.booleanNode(bool);
        }
        if (value instanceof Number number) {
            return factory.numberNode(new BigDecimal(number.toString()));
        }
        return factory.textNode((String) value);
    }

    /** Returns {@code json} parsed, or raises {@link IllegalArgumentException} naming the syntax problem. */
    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("is not valid JSON: " + syntaxProblem(e), e);
        }
    }

    /** Returns Jackson's description of a JSON syntax error without its source excerpt, plus line and column. */
    private static String syntaxProblem(JsonProcessingException e) {
        String message = String.valueOf(e.getOriginalMessage());
        int cut = message.indexOf(" (start marker");
        if (cut < 0) {
            cut = message.indexOf('\n');
        }
        String problem = cut < 0 ? message : message.substring(0, cut);
        if (e.getLocation() == null) {
            return problem;
        }
        return problem + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }

    /**
     * Returns the problem with {@code jwks} as a JWK set, or {@code null} when it has the expected shape. The
     * problem text names members and indexes only, never key material.
     */
    static String problem(JsonNode jwks) {
        if (jwks == null || !jwks.isObject()) {
            return "is not a JSON object";
        }
        JsonNode keys = jwks.get("keys");
        if (keys == null || !keys.isArray()) {
            return "has no \"keys\" array";
        }
        if (keys.isEmpty()) {
            return "has an empty \"keys\" array";
        }
        for (int i = 0; i < keys.size(); i++) {
            String keyProblem = keyProblem(keys.get(i));
            if (keyProblem != null) {
                return "keys[" + i + "] " + keyProblem;
            }
        }
        return null;
    }

    private static String keyProblem(JsonNode key) {
        if (!key.isObject()) {
            return "is not a JSON object";
        }
        if (!key.path("kty").isTextual()) {
            return "has no \"kty\" string";
        }
        for (String member : PRIVATE_MEMBERS) {
            if (key.has(member)) {
                return "contains private or secret key member \"" + member + "\"";
            }
        }
        return null;
    }

    /** Returns the compact JSON text of {@code jwks}. */
    static String write(JsonNode jwks) {
        try {
            return JSON.writeValueAsString(jwks);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serializing a parsed JWK set failed", e);
        }
    }
}
