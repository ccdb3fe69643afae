package dev.agentgateway.gateway.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentgateway.gateway.internal.proxy.ClientResponses;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DPoPNonceHeaderTest {

    @Test
    void nonceSetWithNoStore() {
        HttpHeaders headers = new DefaultHttpHeaders();

        DPoPNonceHeader.apply(headers, Optional.of("eyJ7S_zG.eyJH0-Z.HX4w-7v"));

        assertThat(headers.getAll("DPoP-Nonce")).containsExactly("eyJ7S_zG.eyJH0-Z.HX4w-7v");
        assertThat(headers.getAll("Cache-Control")).containsExactly("no-store");
    }

    @Test
    void emptyNonceChangesNothing() {
        HttpHeaders headers = new DefaultHttpHeaders().add("Cache-Control", "max-age=60");

        DPoPNonceHeader.apply(headers, Optional.empty());

        assertThat(headers.contains("DPoP-Nonce")).isFalse();
        assertThat(headers.getAll("Cache-Control")).containsExactly("max-age=60");
    }

    @Test
    void proxiedResponseGetsGatewayNonceOnly() {
        HttpResponse upstream = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        upstream.headers().add("Content-Length", "2");
        upstream.headers().add("Cache-Control", "public, max-age=3600");
        upstream.headers().add("Cache-Control", "immutable");
        upstream.headers().add("DPoP-Nonce", "backend-nonce");
        HttpResponse client = ClientResponses.head(upstream,
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/tools/ops/queues"));

        DPoPNonceHeader.apply(client.headers(), Optional.of("gateway-nonce"));

        assertThat(client.headers().getAll("DPoP-Nonce")).containsExactly("gateway-nonce");
        assertThat(client.headers().getAll("Cache-Control")).containsExactly("no-store");
        assertThat(client.headers().get("Content-Length")).isEqualTo("2");
    }

    @Test
    void proxiedResponseWithoutNonceLosesBackendNonce() {
        HttpResponse upstream = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        upstream.headers().add("Content-Length", "0");
        upstream.headers().add("Cache-Control", "max-age=60");
        upstream.headers().add("dpop-nonce", "backend-nonce");
        HttpResponse client = ClientResponses.head(upstream,
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/tools/ops/queues"));

        DPoPNonceHeader.apply(client.headers(), Optional.empty());

        assertThat(client.headers().contains("DPoP-Nonce")).isFalse();
        assertThat(client.headers().getAll("Cache-Control")).containsExactly("max-age=60");
    }

    @ParameterizedTest(name = "[{index}]")
    @ValueSource(strings = {"", "a b", "a\"b", "a\\b", "a\r\nSet-Cookie: x=y", "caf\u00e9", "a\u0000"})
    void invalidNonceRejected(String nonce) {
        HttpHeaders headers = new DefaultHttpHeaders();

        assertThatThrownBy(() -> DPoPNonceHeader.apply(headers, Optional.of(nonce)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: one or more of %x21 / %x23-5B / %x5D-7E")
                .hasMessageNotContaining("Set-Cookie");
        assertThat(headers.isEmpty()).isTrue();
    }

    @Test
    void everyNqcharAccepted() {
        StringBuilder all = new StringBuilder();
        for (char c = 0x21; c <= 0x7e; c++) {
            if (c != '"' && c != '\\') {
                all.append(c);
            }
        }

        assertThat(DPoPNonceHeader.isNonce(all.toString())).isTrue();
    }
}
