package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEObjectType;
import java.time.Duration;

/** Names and limits shared by the code that mints capability tokens and the code that verifies them. */
public final class CapabilityClaims {

    /** JOSE {@code typ} of capability tokens (RFC 9068 §2.1). */
    public static final JOSEObjectType TYPE = new JOSEObjectType("at+jwt");
    /** Maximum lifetime of a capability token. A longer configured lifetime is reduced to it. */
    public static final Duration MAX_LIFETIME = Duration.ofSeconds(300);
    /** Maximum length of a capability token in characters. */
    public static final int MAX_TOKEN_LENGTH = 8 * 1024;

    public static final String CLIENT_ID = "client_id";
    public static final String SCOPE = "scope";
    public static final String CONFIRMATION = "cnf";
    public static final String KEY_THUMBPRINT = "jkt";
    public static final String ACTOR = "act";
    public static final String SUBJECT_ISSUER = "subject_issuer";
    public static final String GROUPS = "groups";
    public static final String AMR = "amr";
    public static final String ACR = "acr";
    public static final String AUTH_TIME = "auth_time";
    public static final String PRINCIPAL_CLASS = "principal_class";

    private CapabilityClaims() {
    }
}
