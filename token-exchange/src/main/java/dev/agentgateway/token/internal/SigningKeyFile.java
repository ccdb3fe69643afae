package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Contents of the gateway's signing key file. The file is a JWK set whose first key is the private key that
 * signs. The keys after it are public keys retired by rotation, and the set's {@code retired_at} member maps each
 * retired {@code kid} to the instant it stopped signing (ISO-8601). A file holding one private JWK, the format
 * before rotation existed, is read as a set of that key alone. The {@code retired_at} member never leaves this
 * file, because the published JWK set is built from the keys alone.
 *
 * @param active the private key that signs
 * @param retired keys that signed before, newest first
 */
record SigningKeyFile(JWK active, List<RetiredKey> retired) {

    /** Member of the file's JWK set that maps retired {@code kid}s to their retirement instants. */
    static final String RETIRED_AT = "retired_at";

    SigningKeyFile {
        Objects.requireNonNull(active, "active");
        retired = List.copyOf(retired);
    }

    /**
     * A key that no longer signs but still verifies the tokens it signed before it retired.
     *
     * @param publicKey the public JWK, with a {@code kid}
     * @param retiredAt when it stopped signing
     */
    record RetiredKey(JWK publicKey, Instant retiredAt) {

        RetiredKey {
            Objects.requireNonNull(publicKey, "publicKey");
            Objects.requireNonNull(retiredAt, "retiredAt");
        }
    }

    /** Returns the algorithm the gateway signs with when {@code key} is active: ES256 or EdDSA. */
    static JWSAlgorithm algorithmOf(JWK key) {
        return key instanceof OctetKeyPair ? JWSAlgorithm.EdDSA : JWSAlgorithm.ES256;
    }

    /**
     * Parses a key file's text. Error messages name the file and the problem, never key material.
     *
     * @throws IOException when the text is not a JWK or JWK set, the first key is not a private ES256 or Ed25519
     *     key, or a later key lacks a {@code kid} or a retirement instant
     */
    static SigningKeyFile parse(String json, Path path) throws IOException {
        Map<String, Object> object;
        try {
            object = JSONObjectUtils.parse(json);
        } catch (ParseException e) {
            throw invalid(path, "is not a valid JWK or JWK set: " + e.getMessage());
        }
        if (!object.containsKey("keys")) {
            return new SigningKeyFile(activeKey(parseKey(object, path, 0), path), List.of());
        }
        List<Map<String, Object>> keys = keyObjects(object, path);
        if (keys.isEmpty()) {
            throw invalid(path, "contains an empty JWK set (expected: the signing key first)");
        }
        JWK active = activeKey(parseKey(keys.get(0), path, 0), path);
        Map<String, Object> retiredAt = retiredAtMember(object, path);
        Set<String> keyIds = new HashSet<>(Set.of(active.getKeyID()));
        List<RetiredKey> retired = new ArrayList<>();
        for (int i = 1; i < keys.size(); i++) {
            JWK key = supportedKey(parseKey(keys.get(i), path, i), path, i).toPublicJWK();
            if (key.getKeyID() == null || !keyIds.add(key.getKeyID())) {
                throw invalid(path, "key " + i + " has a missing or repeated kid (expected: a unique kid)");
            }
            retired.add(new RetiredKey(key, instant(retiredAt.get(key.getKeyID()), key.getKeyID(), path)));
        }
        return new SigningKeyFile(active, retired);
    }

    private static List<Map<String, Object>> keyObjects(Map<String, Object> object, Path path) throws IOException {
        try {
            Map<String, Object>[] keys = JSONObjectUtils.getJSONObjectArray(object, "keys");
            return keys == null ? List.of() : List.of(keys);
        } catch (ParseException e) {
            throw invalid(path, "has a keys member that is not a list of JWKs");
        }
    }

    private static Map<String, Object> retiredAtMember(Map<String, Object> object, Path path) throws IOException {
        try {
            Map<String, Object> member = JSONObjectUtils.getJSONObject(object, RETIRED_AT);
            return member == null ? Map.of() : member;
        } catch (ParseException e) {
            throw invalid(path, "has a " + RETIRED_AT + " member that is not an object of kid to instant");
        }
    }

    private static JWK parseKey(Map<String, Object> object, Path path, int index) throws IOException {
        try {
            return JWK.parse(object);
        } catch (ParseException e) {
            throw invalid(path, "key " + index + " is not a valid JWK: " + e.getMessage());
        }
    }

    private static JWK activeKey(JWK key, Path path) throws IOException {
        supportedKey(key, path, 0);
        if (!key.isPrivate()) {
            throw invalid(path, "contains only a public key (expected: the private key, with member d)");
        }
        if (key.getKeyID() != null) {
            return key;
        }
        try {
            return key instanceof ECKey ec
                    ? new ECKey.Builder(ec).keyIDFromThumbprint().build()
                    : new OctetKeyPair.Builder((OctetKeyPair) key).keyIDFromThumbprint().build();
        } catch (JOSEException e) {
            throw invalid(path, "contains a key whose thumbprint cannot be computed: " + e.getMessage());
        }
    }

    private static JWK supportedKey(JWK key, Path path, int index) throws IOException {
        boolean p256 = key instanceof ECKey ec && Curve.P_256.equals(ec.getCurve());
        boolean ed25519 = key instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve());
        if (!p256 && !ed25519) {
            String curve = key instanceof ECKey ec ? " on curve " + ec.getCurve()
                    : key instanceof OctetKeyPair okp ? " on curve " + okp.getCurve() : "";
            throw invalid(path, (index == 0 ? "contains a " : "key " + index + " is a ") + key.getKeyType()
                    + " key" + curve + " (expected: EC key on curve P-256 for ES256, or OKP key on curve Ed25519 "
                    + "for EdDSA)");
        }
        return key;
    }

    private static Instant instant(Object value, String keyId, Path path) throws IOException {
        if (!(value instanceof String text)) {
            throw invalid(path, "retired key " + keyId + " has no " + RETIRED_AT + " instant (expected: an ISO-8601 "
                    + "instant such as 2026-01-31T12:00:00Z)");
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeException e) {
            throw invalid(path, "retired key " + keyId + " has " + RETIRED_AT + " " + Quoting.quote(text)
                    + " (expected: an ISO-8601 instant such as 2026-01-31T12:00:00Z)");
        }
    }

    private static IOException invalid(Path path, String problem) {
        return new IOException("signing key file " + path + " " + problem);
    }

    /** Returns this file's JSON text, which contains the active private key. */
    String toJson() {
        List<Object> keys = new ArrayList<>();
        keys.add(active.toJSONObject());
        Map<String, Object> retiredAt = new LinkedHashMap<>();
        for (RetiredKey key : retired) {
            keys.add(key.publicKey().toJSONObject());
            retiredAt.put(key.publicKey().getKeyID(), key.retiredAt().toString());
        }
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("keys", keys);
        object.put(RETIRED_AT, retiredAt);
        return JSONObjectUtils.toJSONString(object);
    }

    @Override
    public String toString() {
        return "SigningKeyFile[active=" + active.getKeyID() + ", retired=" + retired.size() + "]";
    }
}
