package dev.agentgateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/** Source of an identity provider's JSON Web Key Set (RFC 7517). */
public sealed interface JwksSource {

    /** Key set written in the configuration file itself, as JSON text. */
    record Inline(String json) implements JwksSource {
        public Inline {
            Objects.requireNonNull(json, "json");
        }
    }

    /** Key set read from a local file. */
    record FromFile(Path path) implements JwksSource {
        public FromFile {
            Objects.requireNonNull(path, "path");
        }
    }

    /** Key set fetched from the identity provider's {@code jwks_uri}. */
    record FromUrl(URI url) implements JwksSource {
        public FromUrl {
            Objects.requireNonNull(url, "url");
        }
    }
}
