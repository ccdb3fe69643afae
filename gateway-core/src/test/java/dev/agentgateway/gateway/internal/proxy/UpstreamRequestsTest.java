package dev.agentgateway.gateway.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.gateway.internal.proxy.UpstreamRequests.Forwarding;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UpstreamRequestsTest {

    private static final Forwarding FORWARDING = new Forwarding("/queues?limit=5", "127.0.0.1:8091", "127.0.0.1",
            "https", "gateway.example:8443", "txn.token.value", "req-1");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Authorization", "DPoP", "Cookie", "Proxy-Authorization", "Forwarded", "Txn-Token",
        "Connection", "Keep-Alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Proxy-Connection",
        "X-Forwarded-Port", "X-Forwarded-Prefix", "Expect", "X-Listed-In-Connection", "x_forwarded_for",
        "X_Forwarded_Host", "txn_token", "TXN_TOKEN", "x_request_id", "proxy_authorization", "X-Original-URL",
        "X-Original-URI", "X-Rewrite-URL", "x_original_url", "X-Real-IP", "x_real_ip", "True-Client-IP",
        "X-Client-IP", "X-HTTP-Method-Override", "X-Method-Override", "X-Host", "Via", "via", "content_length",
        "transfer_encoding", "keep_alive", "DPOP"})
    void removesField(String name) {
        HttpRequest client = clientRequest();
        client.headers().add(name, "agent-value");

        HttpRequest upstream = UpstreamRequests.rewrite(client, FORWARDING);

        assertThat(upstream.headers().getAll(name)).as(name).doesNotContain("agent-value");
    }

    @Test
    void replacesForwardingFieldsWithGatewayValues() {
        HttpRequest client = clientRequest();
        client.headers().add("X-Forwarded-For", "10.0.0.1");
        client.headers().add("X-Forwarded-Host", "evil.example");
        client.headers().add("X-Forwarded-Proto", "http");
        client.headers().add("X-Request-Id", "agent-chosen");
        client.headers().add("Txn-Token", "forged");

        HttpRequest upstream = UpstreamRequests.rewrite(client, FORWARDING);

        assertThat(upstream.headers().getAll("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(upstream.headers().getAll("X-Forwarded-Host")).containsExactly("gateway.example:8443");
        assertThat(upstream.headers().getAll("X-Forwarded-Proto")).containsExactly("https");
        assertThat(upstream.headers().getAll("X-Request-Id")).containsExactly("req-1");
        assertThat(upstream.headers().getAll("Txn-Token")).containsExactly("txn.token.value");
        assertThat(upstream.headers().getAll("Host")).containsExactly("127.0.0.1:8091");
    }

    @Test
    void keepsEndToEndFieldsAndTarget() {
        HttpRequest client = clientRequest();
        client.headers().add("Accept", "application/json");
        client.headers().add("Content-Length", "12");
        client.headers().add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        HttpRequest upstream = UpstreamRequests.rewrite(client, FORWARDING);

        assertThat(upstream.uri()).isEqualTo("/queues?limit=5");
        assertThat(upstream.method()).isEqualTo(HttpMethod.POST);
        assertThat(upstream.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(upstream.headers().get("Accept")).isEqualTo("application/json");
        assertThat(upstream.headers().get("Content-Length")).isEqualTo("12");
        assertThat(upstream.headers().get("traceparent")).startsWith("00-0af7");
    }

    @Test
    void framingRebuiltWhenConnectionListsIt() {
        HttpRequest client = clientRequest();
        client.headers().set("Connection", "keep-alive, Content-Length, Transfer-Encoding");
        client.headers().set("Content-Length", "12");

        HttpRequest upstream = UpstreamRequests.rewrite(client, FORWARDING);

        assertThat(upstream.headers().getAll("Content-Length")).containsExactly("12");
        assertThat(upstream.headers().contains("Transfer-Encoding")).isFalse();
    }

    @Test
    void ownedFieldListedInConnectionIsStillReplaced() {
        HttpRequest client = clientRequest();
        client.headers().set("Connection", "Host, X-Request-Id, Txn-Token");

        HttpRequest upstream = UpstreamRequests.rewrite(client, FORWARDING);

        assertThat(upstream.headers().getAll("Host")).containsExactly("127.0.0.1:8091");
        assertThat(upstream.headers().getAll("X-Request-Id")).containsExactly("req-1");
        assertThat(upstream.headers().getAll("Txn-Token")).containsExactly("txn.token.value");
    }

    @Test
    void chunkedClientBodyStaysChunked() {
        HttpRequest client = clientRequest();
        client.headers().add("Transfer-Encoding", "chunked");

        HttpRequest upstream = UpstreamRequests.rewrite(client, FORWARDING);

        assertThat(upstream.headers().getAll("Transfer-Encoding")).containsExactly("chunked");
    }

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "http://127.0.0.1:8091/ | queues | null | /queues",
        "http://127.0.0.1:8091 | queues | null | /queues",
        "http://127.0.0.1:8091/api | queues/a | x=1 | /api/queues/a?x=1",
        "http://127.0.0.1:8091/api/ | '' | null | /api/",
        "http://127.0.0.1:8091/ | '' | '' | /?"})
    void buildsUpstreamTarget(String backend, String relativePath, String query, String expected) {
        assertThat(UpstreamRequests.upstreamTarget(URI.create(backend), relativePath, query)).isEqualTo(expected);
    }

    private static HttpRequest clientRequest() {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/tools/ops/queues");
        request.headers().add("Host", "gateway.example:8443");
        request.headers().add("Connection", "keep-alive, X-Listed-In-Connection");
        return request;
    }
}
