package dev.agentgateway.gateway.internal.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.UncheckedIOException;

/** RFC 9457 problem responses of the admin listener. */
final class AdminProblems {

    static final String TYPE_BASE = "https://agent-gateway.dev/problems/";
    static final String REALM_CHALLENGE = "Bearer realm=\"agent-gateway-admin\"";

    private static final ObjectMapper JSON = new ObjectMapper();

    private AdminProblems() {
    }

    /** Returns 401 with a {@code Bearer} challenge for the admin realm. */
    static FullHttpResponse unauthorized(String detail) {
        FullHttpResponse response = problem(HttpResponseStatus.UNAUTHORIZED, "admin_unauthorized",
                "Admin credential required", detail);
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, REALM_CHALLENGE);
        return response;
    }

    static FullHttpResponse problem(HttpResponseStatus status, String typeName, String title, String detail) {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", TYPE_BASE + typeName);
        body.put("title", title);
        body.put("status", status.code());
        body.put("detail", detail);
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("serializing a problem document failed", e);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return response;
    }
}
