package dev.agentgateway.gateway.internal.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import dev.agentgateway.audit.FileAuditLog;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.gateway.internal.http.HttpLimits;
import dev.agentgateway.gateway.internal.http.RequestTarget;
import dev.agentgateway.gateway.internal.metrics.GatewayMetrics;
import dev.agentgateway.gateway.internal.proxy.UpstreamPools;
import dev.agentgateway.policy.Policy;
import dev.agentgateway.token.TokenServices;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AuthenticationHandler} on a real event loop, reached over an in-process {@link LocalChannel}, with an
 * authentication executor whose only thread is busy and whose queue is full.
 */
@Timeout(30)
class AuthenticationHandlerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORIGIN = "http://127.0.0.1:8080";

    @TempDir
    Path directory;

    private final Clock clock = Clock.systemUTC();
    private final CountDownLatch release = new CountDownLatch(1);
    private final BlockingQueue<Object> responses = new LinkedBlockingQueue<>();
    private final BlockingQueue<Object> passedOn = new LinkedBlockingQueue<>();
    private ThreadPoolExecutor executor;
    private AuditRecorder audit;
    private TokenServices tokens;
    private UpstreamPools upstreams;
    private EventLoopGroup group;
    private GatewayConfig config;
    private Channel server;
    private Channel client;

    @BeforeEach
    void start() throws Exception {
        Path configFile = Files.writeString(directory.resolve("gateway.yaml"), """
                listeners:
                  agent: 127.0.0.1:0
                  admin: 127.0.0.1:0
                routes:
                  - tool: ops
                    path-prefix: /tools/ops/
                    backend: http://127.0.0.1:9/
                """);
        config = ConfigLoader.load(configFile);
        executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1));
        executor.execute(this::awaitRelease);
        executor.execute(this::awaitRelease);
        GatewayMetrics metrics = new GatewayMetrics();
        audit = new AuditRecorder(FileAuditLog.open(config.audit().directory(), clock), metrics, clock);
        Policy policy = Policy.from(config.policy(), clock);
        tokens = TokenServices.create(config, ORIGIN, policy, clock);
        upstreams = new UpstreamPools(NioSocketChannel.class);
        AgentServices services = new AgentServices(ORIGIN, new RouteTable(config.routes()), tokens, policy, audit,
                metrics, HttpLimits.defaults(), Runnable::run, executor, upstreams, clock);

        group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        LocalAddress address = new LocalAddress(AuthenticationHandlerTest.class);
        server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel channel) {
                        channel.pipeline().addLast(new AuthenticationHandler(services), collector(passedOn));
                    }
                })
                .bind(address).sync().channel();
        client = new Bootstrap().group(group).channel(LocalChannel.class)
                .handler(collector(responses))
                .connect(address).sync().channel();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        executor.shutdownNow();
        if (client != null) {
            client.close().sync();
        }
        if (server != null) {
            server.close().sync();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        upstreams.close();
        tokens.close();
        audit.close();
    }

    @Test
    void fullQueueGets503() throws Exception {
        client.writeAndFlush(exchange(List.of("DPoP abc.def.ghi"), List.of("abc.def.ghi"))).sync();

        Object reply = responses.poll(10, TimeUnit.SECONDS);
        assertThat(reply).as("response").isInstanceOf(FullHttpResponse.class);
        FullHttpResponse response = (FullHttpResponse) reply;
        try {
            assertThat(response.status().code()).isEqualTo(503);
            assertThat(response.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("1");
            assertThat(response.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/problem+json");
            JsonNode body = JSON.readTree(response.content().toString(StandardCharsets.UTF_8));
            assertThat(body.path("type").asText())
                    .isEqualTo(ProblemResponses.TYPE_BASE + "authentication_overloaded");
            assertThat(body.path("status").asInt()).isEqualTo(503);
            assertThat(body.path("request_id").asText()).isEqualTo("req-1");
        } finally {
            ReferenceCountUtil.release(response);
        }
        assertThat(passedOn).as("exchanges passed to the next handler").isEmpty();
        assertThat(executor.getCompletedTaskCount()).as("tasks run by the authentication executor").isZero();

        audit.close();
        AuditEvent event = onlyRecord().event();
        assertThat(event.requestId()).isEqualTo("req-1");
        assertThat(event.decision()).isEqualTo(AuditEvents.DENY);
        assertThat(event.principal()).as("principal of a caller whose credentials were not verified").isNull();
        assertThat(event.missingAuthority()).isEqualTo("authentication");
        assertThat(event.reason()).isEqualTo(ProblemResponses.AUTHENTICATION_OVERLOADED_DETAIL);
    }

    @Test
    void anonymousRequestSkipsExecutor() throws Exception {
        client.writeAndFlush(exchange(List.of(), List.of())).sync();

        Object next = passedOn.poll(10, TimeUnit.SECONDS);
        assertThat(next).as("exchange passed to the next handler").isInstanceOf(Exchange.class);
        assertThat(((Exchange) next).call()).as("verified call").isNull();
        assertThat(responses).as("responses").isEmpty();
    }

    private Exchange exchange(List<String> authorizations, List<String> proofs) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/tools/ops/queues");
        authorizations.forEach(value -> request.headers().add(HttpHeaderNames.AUTHORIZATION, value));
        proofs.forEach(value -> request.headers().add("DPoP", value));
        Exchange exchange = new Exchange("req-1", request, System.nanoTime());
        exchange.target(new RequestTarget("/tools/ops/queues", null));
        exchange.route(config.routes().get(0));
        return exchange;
    }

    private AuditRecord onlyRecord() throws Exception {
        try (AuditRecords records = AuditRecords.open(config.audit().directory())) {
            List<AuditRecord> all = records.stream().toList();
            assertThat(all).as("audit records").hasSize(1);
            return all.get(0);
        }
    }

    private void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ChannelInboundHandlerAdapter collector(BlockingQueue<Object> received) {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                received.add(msg);
            }
        };
    }
}
