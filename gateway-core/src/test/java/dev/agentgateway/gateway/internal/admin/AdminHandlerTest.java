package dev.agentgateway.gateway.internal.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.gateway.internal.metrics.GatewayMetrics;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class AdminHandlerTest {

    private final GatewayMetrics metrics = new GatewayMetrics();
    private final AtomicBoolean auditReady = new AtomicBoolean(true);
    private final AtomicBoolean replayCacheAvailable = new AtomicBoolean(true);

    @Test
    void readyWhenAuditAndReplayCacheWork() {
        FullHttpResponse response = get("/health/ready");
        try {
            assertThat(response.status().code()).isEqualTo(200);
            assertThat(response.content().toString(UTF_8)).isEqualTo("ready\n");
        } finally {
            response.release();
        }
    }

    @Test
    void notReadyWhileReplayCacheUnreachable() {
        replayCacheAvailable.set(false);

        FullHttpResponse response = get("/health/ready");
        try {
            assertThat(response.status().code()).isEqualTo(503);
            assertThat(response.content().toString(UTF_8))
                    .isEqualTo("not ready: the DPoP replay cache cannot be reached\n");
        } finally {
            response.release();
        }
    }

    @Test
    void readyAgainOnceReplayCacheReturns() {
        replayCacheAvailable.set(false);
        get("/health/ready").release();
        replayCacheAvailable.set(true);

        FullHttpResponse response = get("/health/ready");
        try {
            assertThat(response.status().code()).isEqualTo(200);
        } finally {
            response.release();
        }
    }

    @Test
    void notReadyWhileAuditFails() {
        auditReady.set(false);

        FullHttpResponse response = get("/health/ready");
        try {
            assertThat(response.status().code()).isEqualTo(503);
            assertThat(response.content().toString(UTF_8)).isEqualTo("not ready: audit log appends are failing\n");
        } finally {
            response.release();
        }
    }

    @Test
    void liveWhileReplayCacheUnreachable() {
        replayCacheAvailable.set(false);

        FullHttpResponse response = get("/health/live");
        try {
            assertThat(response.status().code()).isEqualTo(200);
        } finally {
            response.release();
        }
    }

    @Test
    void metricsExposeReplayCacheMeters() {
        metrics.replayCacheAvailability(replayCacheAvailable::get);
        metrics.replayCacheUnavailable("ops");
        metrics.replayCacheUnavailable("ops");
        metrics.replayCacheUnavailable("token");
        replayCacheAvailable.set(false);

        FullHttpResponse response = get("/metrics");
        try {
            String scrape = response.content().toString(UTF_8);
            assertThat(scrape).contains("gateway_replay_cache_unavailable_total{route=\"ops\"} 2.0");
            assertThat(scrape).contains("gateway_replay_cache_unavailable_total{route=\"token\"} 1.0");
            assertThat(scrape).contains("gateway_replay_cache_available 0.0");
        } finally {
            response.release();
        }
    }

    @Test
    void gaugeFollowsReplayCache() {
        metrics.replayCacheAvailability(replayCacheAvailable::get);

        assertThat(metrics.scrape()).contains("gateway_replay_cache_available 1.0");
        replayCacheAvailable.set(false);
        assertThat(metrics.scrape()).contains("gateway_replay_cache_available 0.0");
    }

    private FullHttpResponse get(String path) {
        EmbeddedChannel channel = new EmbeddedChannel(new AdminHandler(metrics,
                () -> CompletableFuture.completedFuture(auditReady.get()), replayCacheAvailable::get));
        try {
            channel.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path));
            channel.runPendingTasks();
            FullHttpResponse response = channel.readOutbound();
            assertThat(response).as("response to GET %s", path).isNotNull();
            return response;
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
