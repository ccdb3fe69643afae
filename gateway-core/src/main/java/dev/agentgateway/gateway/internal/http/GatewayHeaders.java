package dev.agentgateway.gateway.internal.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The one list of header fields the gateway treats specially when it forwards a message. It names the framing
 * fields the gateway rebuilds itself and the hop-by-hop fields of RFC 9110 §7.6.1. It also names the fields the
 * gateway owns or strips, because they carry credentials or values it sets itself, and the routing overrides that
 * some backends and frameworks read in place of the request line or the socket address.
 *
 * <p>Names are compared after lower-casing and mapping {@code _} to {@code -}, because CGI and WSGI servers expose
 * {@code X-Forwarded-For} and {@code X_Forwarded_For} as the same variable.
 */
public final class GatewayHeaders {

    /** Fields that delimit a message body (RFC 9112 §6); the gateway rebuilds them from the decoded message. */
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding");

    /** Hop-by-hop fields, which apply to one connection and are never forwarded. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "te", "trailer",
            "transfer-encoding", "upgrade", "proxy-connection");

    /** Fields that carry the agent's credentials or that the gateway sets on the upstream request itself. */
    private static final Set<String> OWNED = Set.of("host", "authorization", "proxy-authorization", "dpop", "cookie",
            "txn-token", "x-request-id", "forwarded", "via", "expect");

    /**
     * Fields that ask a backend or its framework to use another URL, method, host or client address, or that
     * assert an authenticated user. Backends must take identity only from the verified Txn-Token.
     */
    private static final Set<String> ROUTING_OVERRIDES = Set.of("x-rewrite-url", "x-real-ip", "x-client-ip",
            "true-client-ip", "client-ip", "x-cluster-client-ip", "x-host", "x-http-method-override",
            "x-http-method", "x-method-override", "x-proxyuser-ip", "x-originating-ip", "remote-user", "remote-addr",
            "x-user", "x-email", "x-userid", "x-user-id");

    /**
     * Prefixes of field families with the same purpose as {@link #ROUTING_OVERRIDES}: {@code X-Original-URL} and
     * {@code -Host}, Envoy's {@code X-Envoy-Original-Path}, {@code X-Remote-User} and {@code -Addr},
     * {@code X-Authenticated-User} and oauth2-proxy's {@code X-Auth-Request-User} and {@code -Email}.
     */
    private static final List<String> ROUTING_OVERRIDE_PREFIXES = List.of("x-original-", "x-envoy-", "x-remote-",
            "x-authenticated-", "x-auth-request-");

    /** Prefix of the {@code X-Forwarded-*} family, which the gateway owns as a whole. */
    private static final String X_FORWARDED_PREFIX = "x-forwarded-";

    private GatewayHeaders() {
    }

    /** Returns {@code name} lower-cased with {@code _} mapped to {@code -}. */
    static String canonicalName(CharSequence name) {
        return name.toString().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Returns whether a client's field named {@code name} must not reach the backend. */
    public static boolean isDroppedFromClient(CharSequence name) {
        String canonical = canonicalName(name);
        return HOP_BY_HOP.contains(canonical) || isProtected(canonical) || isRoutingOverride(canonical);
    }

    /**
     * Returns whether a backend's field named {@code name} must not reach the agent. A backend's
     * {@code DPoP-Nonce} is dropped because the gateway alone verifies the agent's proofs, so only the gateway's
     * nonces are valid.
     */
    public static boolean isDroppedFromBackend(CharSequence name) {
        String canonical = canonicalName(name);
        return HOP_BY_HOP.contains(canonical) || canonical.equals("txn-token") || canonical.equals("dpop-nonce");
    }

    /**
     * Returns the first {@code Connection} option of {@code headers} that names a framing field or a field the
     * gateway owns or strips, or {@code null}. Removing such a field because {@code Connection} lists it would let
     * the sender unframe the forwarded message or smuggle a field past the gateway. Hop-by-hop options such as
     * {@code keep-alive}, {@code TE} and {@code Upgrade} are allowed, because RFC 9110 requires senders to list
     * them and the gateway removes those fields anyway.
     */
    public static String protectedConnectionOption(HttpHeaders headers) {
        for (String option : connectionOptions(headers)) {
            if (isProtectedOption(option)) {
                return option;
            }
        }
        return null;
    }

    /** Returns whether {@code Connection} must not list {@code option}, see {@link #protectedConnectionOption}. */
    static boolean isProtectedOption(String option) {
        String canonical = canonicalName(option);
        return isProtected(canonical) || isRoutingOverride(canonical);
    }

    private static boolean isRoutingOverride(String canonical) {
        if (ROUTING_OVERRIDES.contains(canonical)) {
            return true;
        }
        for (String prefix : ROUTING_OVERRIDE_PREFIXES) {
            if (canonical.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isProtected(String canonical) {
        return FRAMING.contains(canonical) || OWNED.contains(canonical) || canonical.startsWith(X_FORWARDED_PREFIX);
    }

    /** Returns the options listed in every {@code Connection} field, trimmed, in order. */
    static List<String> connectionOptions(HttpHeaders headers) {
        List<String> options = new ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String trimmed = token.trim();
                if (!trimmed.isEmpty()) {
                    options.add(trimmed);
                }
            }
        }
        return options;
    }

    /** Returns whether {@code name} is a hop-by-hop field. */
    static boolean isHopByHop(CharSequence name) {
        return HOP_BY_HOP.contains(canonicalName(name));
    }

    /** Returns whether {@code name} delimits a message body. */
    static boolean isFraming(CharSequence name) {
        return FRAMING.contains(canonicalName(name));
    }
}
