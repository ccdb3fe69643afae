package dev.agentgateway.gateway.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientResponsesTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Connection", "Keep-Alive", "TE", "Trailer", "Upgrade", "Proxy-Connection",
        "X-Backend-Hop", "Txn-Token", "DPoP-Nonce"})
    void removesHopByHopField(String name) {
        HttpResponse upstream = upstreamResponse(HttpResponseStatus.OK);
        upstream.headers().add("Content-Length", "2");
        upstream.headers().add("Connection", "X-Backend-Hop");
        upstream.headers().add(name, "backend-value");

        HttpResponse client = ClientResponses.head(upstream, request(HttpMethod.GET, HttpVersion.HTTP_1_1));

        assertThat(client.headers().getAll(name)).as(name).doesNotContain("backend-value");
    }

    @Test
    void keepsContentLengthAndEndToEndFields() {
        HttpResponse upstream = upstreamResponse(HttpResponseStatus.CREATED);
        upstream.headers().add("Content-Length", "2");
        upstream.headers().add("Content-Type", "application/json");
        upstream.headers().add("Set-Cookie", "a=b");

        HttpResponse client = ClientResponses.head(upstream, request(HttpMethod.GET, HttpVersion.HTTP_1_1));

        assertThat(client.status()).isEqualTo(HttpResponseStatus.CREATED);
        assertThat(client.headers().get("Content-Length")).isEqualTo("2");
        assertThat(client.headers().get("Content-Type")).isEqualTo("application/json");
        assertThat(client.headers().get("Set-Cookie")).isEqualTo("a=b");
        assertThat(client.headers().contains("Transfer-Encoding")).isFalse();
    }

    @Test
    void contentLengthKeptWhenConnectionListsIt() {
        HttpResponse upstream = upstreamResponse(HttpResponseStatus.OK);
        upstream.headers().add("Connection", "Content-Length");
        upstream.headers().add("Content-Length", "2");

        HttpResponse client = ClientResponses.head(upstream, request(HttpMethod.GET, HttpVersion.HTTP_1_0));

        assertThat(client.headers().getAll("Content-Length")).containsExactly("2");
        assertThat(client.headers().contains("Transfer-Encoding")).isFalse();
    }

    @Test
    void chunkedKeptWhenConnectionListsIt() {
        HttpResponse upstream = upstreamResponse(HttpResponseStatus.OK);
        upstream.headers().add("Connection", "Transfer-Encoding");
        upstream.headers().add("Transfer-Encoding", "chunked");

        HttpResponse client = ClientResponses.head(upstream, request(HttpMethod.GET, HttpVersion.HTTP_1_1));

        assertThat(client.headers().getAll("Transfer-Encoding")).containsExactly("chunked");
    }

    @Test
    void rechunksChunkedBodyForHttp11Client() {
        HttpResponse upstream = upstreamResponse(HttpResponseStatus.OK);
        upstream.headers().add("Transfer-Encoding", "chunked");

        HttpResponse client = ClientResponses.head(upstream, request(HttpMethod.GET, HttpVersion.HTTP_1_1));

        assertThat(client.headers().getAll("Transfer-Encoding")).containsExactly("chunked");
    }

    @Test
    void sendsUndelimitedBodyToHttp10Client() {
        HttpResponse upstream = upstreamResponse(HttpResponseStatus.OK);
        upstream.headers().add("Transfer-Encoding", "chunked");

        HttpResponse client = ClientResponses.head(upstream, request(HttpMethod.GET, HttpVersion.HTTP_1_0));

        assertThat(client.headers().contains("Transfer-Encoding")).isFalse();
        assertThat(client.headers().contains("Content-Length")).isFalse();
    }

    @Test
    void headResponseGetsNoTransferEncoding() {
        HttpResponse upstream = upstreamResponse(HttpResponseStatus.OK);
        upstream.headers().add("Transfer-Encoding", "chunked");

        HttpResponse client = ClientResponses.head(upstream, request(HttpMethod.HEAD, HttpVersion.HTTP_1_1));

        assertThat(client.headers().contains("Transfer-Encoding")).isFalse();
    }

    private static HttpResponse upstreamResponse(HttpResponseStatus status) {
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    }

    private static HttpRequest request(HttpMethod method, HttpVersion version) {
        return new DefaultHttpRequest(version, method, "/tools/ops/queues");
    }
}
