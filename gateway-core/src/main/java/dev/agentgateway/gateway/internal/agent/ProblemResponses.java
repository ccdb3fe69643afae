package dev.agentgateway.gateway.internal.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentgateway.gateway.internal.http.DPoPNonceHeader;
import dev.agentgateway.policy.Decision;
import dev.agentgateway.policy.MissingAuthority;
import dev.agentgateway.policy.StepUpChallenge;
import dev.agentgateway.token.DPoPChallenge;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

/**
 * The one place that turns rejections into responses: {@link OAuthException}s and policy {@link Decision}s become
 * a status, {@code WWW-Authenticate} challenges and an RFC 9457 {@code application/problem+json} body; token
 * endpoint errors become RFC 6749 §5.2 JSON. Problem {@code type}s are
 * {@code https://agent-gateway.dev/problems/<name>}, where the name is the missing authority of a denial, the
 * OAuth error code of a failed authentication, or a fixed name for transport errors.
 */
public final class ProblemResponses {

    /** Base URI of every problem {@code type}. */
    public static final String TYPE_BASE = "https://agent-gateway.dev/problems/";

    static final String PROBLEM_JSON = "application/problem+json";
    /** Seconds a client is asked to wait before retrying a call that shared state could not check. */
    static final int UNAVAILABLE_RETRY_AFTER_SECONDS = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProblemResponses() {
    }

    /**
     * Returns the response to a request whose credentials failed verification: the OAuth error's resource status
     * (401, or 400 for {@code invalid_request}) with an RFC 9449 §7.1 challenge naming the error. A
     * {@code temporarily_unavailable} error gets {@link #replayCheckUnavailable} instead. When the error carries a
     * DPoP nonce, the response carries it in {@code DPoP-Nonce} and is marked {@code no-store}.
     */
    public static FullHttpResponse authenticationFailed(OAuthException error, Set<String> proofAlgorithms,
            String requestId) {
        OAuthErrorCode code = error.code();
        if (code == OAuthErrorCode.TEMPORARILY_UNAVAILABLE) {
            return replayCheckUnavailable(error, requestId);
        }
        ObjectNode body = problemBody(code.resourceStatus(), code.wireName(), "Authentication failed",
                error.description(), requestId);
        body.put("missing_authority", MissingAuthority.AUTHENTICATION.wireName());
        body.put("error", code.wireName());
        FullHttpResponse response = response(code.resourceStatus(), PROBLEM_JSON, body);
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, DPoPChallenge.header(error, proofAlgorithms));
        DPoPNonceHeader.apply(response.headers(), error.dpopNonce());
        return response;
    }

    /**
     * Returns 503 for a call whose DPoP proof could not be checked for replay because the shared replay cache is
     * unreachable. The call fails closed without a challenge, because other credentials would not help, and
     * With {@code Retry-After}, the agent knows when to retry with a fresh proof.
     */
    static FullHttpResponse replayCheckUnavailable(OAuthException error, String requestId) {
        int status = HttpResponseStatus.SERVICE_UNAVAILABLE.code();
        ObjectNode body = problemBody(status, "replay_check_unavailable", "Replay check unavailable",
                error.description(), requestId);
        body.put("error", error.code().wireName());
        FullHttpResponse response = response(status, PROBLEM_JSON, body);
        response.headers().setInt(HttpHeaderNames.RETRY_AFTER, UNAVAILABLE_RETRY_AFTER_SECONDS);
        DPoPNonceHeader.apply(response.headers(), error.dpopNonce());
        return response;
    }

    /**
     * Returns the response to a policy denial. An anonymous caller that a rule would admit once authenticated
     * ({@link MissingAuthority#AUTHENTICATION}) gets 401 with a bare DPoP challenge. A
     * {@link MissingAuthority#STEP_UP} denial gets 401 with an RFC 9470 {@code insufficient_user_authentication}
     * challenge. Every other denial gets 403 without a challenge, an anonymous call that no rule covers included,
     * because credentials would not change its outcome.
     */
    public static FullHttpResponse denied(Decision decision, boolean anonymous, Set<String> proofAlgorithms,
            String requestId) {
        MissingAuthority missing = decision.missingAuthority();
        boolean authenticationHelps = anonymous && missing == MissingAuthority.AUTHENTICATION;
        int status = authenticationHelps || missing == MissingAuthority.STEP_UP ? 401 : 403;
        ObjectNode body = problemBody(status, missing.wireName(), title(missing), decision.reason(), requestId);
        body.put("missing_authority", missing.wireName());
        if (decision.ruleId() != null) {
            body.put("rule", decision.ruleId());
        }
        FullHttpResponse response = response(status, PROBLEM_JSON, body);
        if (authenticationHelps) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, DPoPChallenge.header(null, proofAlgorithms));
        } else if (missing == MissingAuthority.STEP_UP) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, stepUpChallenge(decision));
        }
        return response;
    }

    /** Problem detail, and audit reason, of a call rejected because the authentication queue was full. */
    static final String AUTHENTICATION_OVERLOADED_DETAIL =
            "too many credentials are waiting for verification, so the call was not forwarded; retry later";

    /**
     * Returns 503 for a call whose credentials were not verified because the authentication executor's queue was
     * full. With {@code Retry-After}, the agent knows when to retry with a fresh proof.
     */
    static FullHttpResponse authenticationOverloaded(String requestId) {
        FullHttpResponse response = problem(HttpResponseStatus.SERVICE_UNAVAILABLE, "authentication_overloaded",
                "Authentication overloaded", AUTHENTICATION_OVERLOADED_DETAIL, requestId);
        response.headers().setInt(HttpHeaderNames.RETRY_AFTER, UNAVAILABLE_RETRY_AFTER_SECONDS);
        return response;
    }

    /** Returns 503 for a call that was not forwarded because its decision could not be audited. */
    public static FullHttpResponse auditUnavailable(String requestId) {
        return problem(HttpResponseStatus.SERVICE_UNAVAILABLE, "audit_unavailable", "Audit log unavailable",
                "the decision could not be recorded durably, so the call was not forwarded", requestId);
    }

    /** Returns a problem details response without extension members beyond {@code request_id}. */
    public static FullHttpResponse problem(HttpResponseStatus status, String typeName, String title, String detail,
            String requestId) {
        return response(status.code(), PROBLEM_JSON, problemBody(status.code(), typeName, title, detail, requestId));
    }

    /**
     * Returns an RFC 6749 §5.2 error response of the token endpoint, with the status its error code calls for. The
     * error's DPoP nonce, when present, is sent in {@code DPoP-Nonce} (RFC 9449 §8), and a
     * {@code temporarily_unavailable} error tells the client to retry after {@value #UNAVAILABLE_RETRY_AFTER_SECONDS}
     * second.
     */
    public static FullHttpResponse tokenError(OAuthException error) {
        FullHttpResponse response = tokenError(error.code().tokenEndpointStatus(), error.code(), error.description());
        if (error.code() == OAuthErrorCode.TEMPORARILY_UNAVAILABLE) {
            response.headers().setInt(HttpHeaderNames.RETRY_AFTER, UNAVAILABLE_RETRY_AFTER_SECONDS);
        }
        DPoPNonceHeader.apply(response.headers(), error.dpopNonce());
        return response;
    }

    /** Returns an RFC 6749 §5.2 error response with an explicit status. */
    public static FullHttpResponse tokenError(int status, OAuthErrorCode code, String description) {
        ObjectNode body = JSON.createObjectNode();
        body.put("error", code.wireName());
        body.put("error_description", description);
        return noStore(response(status, HttpHeaderValues.APPLICATION_JSON.toString(), body));
    }

    /** Returns a 200 token response carrying {@code json}, never to be cached (RFC 6749 §5.1). */
    public static FullHttpResponse tokenIssued(String json) {
        return noStore(jsonResponse(200, json));
    }

    /** Returns a 200 token response carrying {@code json} and, when present, a fresh nonce in {@code DPoP-Nonce}. */
    public static FullHttpResponse tokenIssued(String json, Optional<String> dpopNonce) {
        FullHttpResponse response = tokenIssued(json);
        DPoPNonceHeader.apply(response.headers(), dpopNonce);
        return response;
    }

    /** Returns a response with a JSON body already serialized. */
    public static FullHttpResponse jsonResponse(int status, String json) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        return response;
    }

    /**
     * Formats the RFC 9470 §3 challenge: {@code DPoP error="insufficient_user_authentication"} with the
     * denial's reason and, when the policy names them, {@code acr_values} and {@code max_age} in seconds.
     */
    static String stepUpChallenge(Decision decision) {
        StringBuilder challenge = new StringBuilder("DPoP error=\"insufficient_user_authentication\"");
        challenge.append(", error_description=").append(quotedString(decision.reason()));
        StepUpChallenge stepUp = decision.stepUp();
        if (stepUp != null && stepUp.acrValues() != null) {
            challenge.append(", acr_values=").append(quotedString(stepUp.acrValues()));
        }
        if (stepUp != null && stepUp.maxAge() != null) {
            challenge.append(", max_age=").append(stepUp.maxAge().toSeconds());
        }
        return challenge.toString();
    }

    /** Returns {@code value} as an RFC 9110 §5.6.4 quoted-string; control characters become spaces. */
    static String quotedString(String value) {
        StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || c > 0xff) {
                quoted.append(' ');
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }

    private static String title(MissingAuthority missing) {
        return switch (missing) {
            case AUTHENTICATION -> "Authentication required";
            case OPERATOR_MODE -> "Operator mode required";
            case STEP_UP -> "Stronger authentication required";
            case SCOPE -> "Scope missing from the capability token";
            case RUNBOOK_STEP -> "Approved runbook step required";
            case RULE -> "No policy rule allows this call";
        };
    }

    private static ObjectNode problemBody(int status, String typeName, String title, String detail,
            String requestId) {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", TYPE_BASE + typeName);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.put("instance", requestId);
        body.put("request_id", requestId);
        return body;
    }

    private static FullHttpResponse response(int status, String contentType, ObjectNode body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("serializing a response body failed", e);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return response;
    }

    private static FullHttpResponse noStore(FullHttpResponse response) {
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        response.headers().set(HttpHeaderNames.PRAGMA, HttpHeaderValues.NO_CACHE);
        return response;
    }
}
