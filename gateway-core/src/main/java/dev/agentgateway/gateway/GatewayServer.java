package dev.agentgateway.gateway;

import dev.agentgateway.audit.AuditSigningKey;
import dev.agentgateway.audit.FileAuditLog;
import dev.agentgateway.audit.KafkaAuditExport;
import dev.agentgateway.config.AuditKafkaConfig;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.config.ListenerConfig;
import dev.agentgateway.config.ReplayCacheConfig;
import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.gateway.internal.DaemonThreads;
import dev.agentgateway.gateway.internal.Transport;
import dev.agentgateway.gateway.internal.UnreachableRules;
import dev.agentgateway.gateway.internal.admin.AdminChannelInitializer;
import dev.agentgateway.gateway.internal.admin.AdminCredentials;
import dev.agentgateway.gateway.internal.admin.AdminHandler;
import dev.agentgateway.gateway.internal.admin.AuditStreams;
import dev.agentgateway.gateway.internal.agent.AgentChannelInitializer;
import dev.agentgateway.gateway.internal.agent.AgentServices;
import dev.agentgateway.gateway.internal.agent.AuditRecorder;
import dev.agentgateway.gateway.internal.agent.RouteTable;
import dev.agentgateway.gateway.internal.http.HttpLimits;
import dev.agentgateway.gateway.internal.metrics.GatewayMetrics;
import dev.agentgateway.gateway.internal.proxy.UpstreamPools;
import dev.agentgateway.gateway.sample.SampleOpsTool;
import dev.agentgateway.policy.Policy;
import dev.agentgateway.token.CryptoProviders;
import dev.agentgateway.token.TokenServices;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the agent listener (token endpoint, metadata, proxied routes), the admin listener and, when
 * configured, the built-in sample tool.
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
    private static final int TOKEN_EXCHANGE_THREADS = 4;
    private static final int AUTHENTICATION_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());
    /**
     * Proxied calls whose credentials may wait for a free authentication thread; a call past this bound gets 503.
     * It caps the memory that waiting calls hold while the replay cache replies slowly.
     * NOTE: chosen, not measured, and not configurable yet.
     */
    private static final int AUTHENTICATION_QUEUE_CAPACITY = 1024;
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 5;

    private final GatewayConfig config;
    private final HttpLimits limits;
    private final Clock clock;
    private final AuditStreams.Settings streamSettings;
    private final Transport transport = Transport.detect();
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean started;

    private SampleOpsTool sampleTool;
    private AuditRecorder auditRecorder;
    private AuditStreams auditStreams;
    private KafkaAuditExport auditExport;
    private ExecutorService tokenExchangeExecutor;
    private ExecutorService authenticationExecutor;
    private UpstreamPools upstreams;
    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private Channel agentChannel;
    private Channel adminChannel;
    private volatile ChannelHandler agentInitializer;
    private String publicOrigin;
    private TokenServices tokenServices;

    private GatewayServer(GatewayConfig config, HttpLimits limits, Clock clock, AuditStreams.Settings streamSettings) {
        this.config = config;
        this.limits = limits;
        this.clock = clock;
        this.streamSettings = streamSettings;
    }

    /**
     * Binds both listeners and starts serving. When {@code config.publicOrigin()} is {@code null} the origin is
     * derived from the bound agent address.
     *
     * @throws ListenerBindException when a listener cannot bind its address
     * @throws Exception when the signing key or audit log cannot be opened
     */
    public static GatewayServer start(GatewayConfig config) throws Exception {
        return start(config, HttpLimits.defaults(), Clock.systemUTC());
    }

    /** Starts a gateway with explicit HTTP limits and clock, for tests that need short timeouts. */
    static GatewayServer start(GatewayConfig config, HttpLimits limits, Clock clock) throws Exception {
        return start(config, limits, clock, AuditStreams.Settings.defaults());
    }

    /** Starts a gateway with explicit audit stream bounds and timing as well, for tests of the stream. */
    static GatewayServer start(GatewayConfig config, HttpLimits limits, Clock clock,
            AuditStreams.Settings streamSettings) throws Exception {
        CryptoProviders.install();
        GatewayServer server = new GatewayServer(config, limits, clock, streamSettings);
        try {
            server.open();
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void open() throws Exception {
        if (config.sampleTool() != null) {
            ListenerConfig listener = config.sampleTool().listener();
            try {
                sampleTool = SampleOpsTool.start(listener.host(), listener.port());
            } catch (IOException e) {
                throw new ListenerBindException("sample tool listener", "sample-tool.listener", listener, e);
            }
            log.info("Sample operations tool listening on {}", sampleTool.address());
        }
        auditRecorder = new AuditRecorder(FileAuditLog.open(config.audit(), loadAuditKey(),
                clock, metrics.auditCommitObserver()), metrics, clock);
        metrics.auditWritability(auditRecorder::writable);
        startAuditExport();
        Policy policy = Policy.from(config.policy(), clock);
        tokenExchangeExecutor = Executors.newFixedThreadPool(TOKEN_EXCHANGE_THREADS,
                DaemonThreads.named("token-exchange-"));
        authenticationExecutor = new ThreadPoolExecutor(AUTHENTICATION_THREADS, AUTHENTICATION_THREADS, 0,
                TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(AUTHENTICATION_QUEUE_CAPACITY),
                DaemonThreads.named("authentication-"), new ThreadPoolExecutor.AbortPolicy());
        upstreams = new UpstreamPools(transport.channelType());
        acceptGroup = new MultiThreadIoEventLoopGroup(1, DaemonThreads.named("gateway-accept-"),
                transport.ioHandlerFactory());
        ioGroup = new MultiThreadIoEventLoopGroup(0, DaemonThreads.named("gateway-io-"),
                transport.ioHandlerFactory());

        agentChannel = bindAgentListener();
        publicOrigin = config.publicOrigin() != null ? config.publicOrigin() : deriveOrigin(agentAddress());
        tokenServices = TokenServices.create(config, publicOrigin, policy, clock);
        metrics.replayCacheAvailability(tokenServices::replayCacheAvailable);
        AgentServices services = new AgentServices(publicOrigin, new RouteTable(config.routes()), tokenServices,
                policy, auditRecorder, metrics, limits, tokenExchangeExecutor, authenticationExecutor, upstreams,
                clock);
        agentInitializer = new AgentChannelInitializer(services);
        agentChannel.config().setAutoRead(true);

        auditStreams = new AuditStreams(config.audit().directory(), auditRecorder::lastDurableSequence,
                new AdminCredentials(config.admin().credentials()), () -> metrics.adminUnauthorized("/audit/stream"),
                streamSettings);
        adminChannel = bind("admin listener", "listeners.admin", config.adminListener(),
                new AdminChannelInitializer(new AdminHandler(metrics, auditRecorder::checkReady,
                        tokenServices::replayCacheAvailable, auditStreams)), true);
        started = true;
        logStarted();
    }

    /** Loads or generates the audit key; an invalid key file fails the start like an unreadable one. */
    private AuditSigningKey loadAuditKey() throws IOException {
        AuditSigningKey key;
        try {
            key = AuditSigningKey.loadOrGenerate(config.audit().signingKey());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        log.info("Audit checkpoints are signed with key {} ({}) from {}", key.keyId(), key.algorithm(),
                config.audit().signingKey().path());
        return key;
    }

    /**
     * Starts exporting the audit log to Kafka when {@code audit.kafka} is configured. The export runs on its own
     * thread and never delays a request: while Kafka is unreachable only its lag grows.
     */
    private void startAuditExport() throws IOException {
        AuditKafkaConfig kafka = config.audit().kafka();
        if (kafka == null) {
            return;
        }
        auditExport = KafkaAuditExport.start(kafka, config.audit().directory(), auditRecorder::lastDurableSequence,
                clock);
        metrics.auditExport(auditExport::lag, auditExport::acknowledgedSequence, auditExport::connected);
        log.info("Exporting audit records to Kafka topic {} via {}", kafka.topic(), kafka.bootstrapServers());
    }

    /**
     * Binds the agent listener without accepting connections yet: the public origin depends on the bound port, and
     * the pipeline depends on the origin, so accepting starts only once the pipeline is ready.
     */
    private Channel bindAgentListener() throws InterruptedException, ListenerBindException {
        ChannelInitializer<Channel> deferred = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(agentInitializer);
            }
        };
        return bind("agent listener", "listeners.agent", config.agentListener(), deferred, false);
    }

    private Channel bind(String name, String configKey, ListenerConfig listener, ChannelHandler childHandler,
            boolean accepting) throws InterruptedException, ListenerBindException {
        ChannelFuture bound = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(transport.serverChannelType())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.AUTO_READ, accepting)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(childHandler)
                .bind(listener.host(), listener.port())
                .await();
        if (!bound.isSuccess()) {
            throw new ListenerBindException(name, configKey, listener, bound.cause());
        }
        return bound.channel();
    }

    /** Returns {@code http://} plus the bound address, bracketing IPv6 and replacing a wildcard by loopback. */
    static String deriveOrigin(InetSocketAddress bound) {
        InetAddress address = bound.getAddress();
        if (address.isAnyLocalAddress()) {
            address = address instanceof Inet6Address ? NetUtil.LOCALHOST6 : NetUtil.LOCALHOST4;
            log.warn("public-origin is not set and the agent listener binds a wildcard address; using {} in the "
                    + "origin, which only local agents can reach", NetUtil.toAddressString(address));
        }
        String host = NetUtil.toAddressString(address);
        if (address instanceof Inet6Address) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + bound.getPort();
    }

    private void logStarted() {
        log.info("Agent listener on {} ({} transport), public origin {}", agentAddress(), transport.name(),
                publicOrigin);
        for (RouteConfig route : config.routes()) {
            log.info("Route {}: {} -> {}, DPoP nonces {}", route.tool(), route.pathPrefix(), route.backend(),
                    route.dpopNonce().configName());
        }
        TokenConfig tokens = config.tokens();
        log.info("DPoP replay cache: {}; token endpoint DPoP nonces {}; nonce secrets {}", describe(
                tokens.replayCache()), tokens.nonces().tokenEndpoint().configName(),
                tokens.nonces().secrets().isEmpty() ? "random for this process" : tokens.nonces().secrets().size()
                        + " configured");
        log.info("Admin listener on {}; audit log in {}", adminAddress(), config.audit().directory());
        if (config.admin().credentials().isEmpty()) {
            log.info("Audit stream /audit/stream is disabled: no admin credentials are configured");
        }
        UnreachableRules.warnings(config).forEach(log::warn);
    }

    private static String describe(ReplayCacheConfig replayCache) {
        if (replayCache instanceof ReplayCacheConfig.Redis redis) {
            return "Redis at " + redis.redactedUri() + " (key prefix " + redis.keyPrefix() + ")";
        }
        return "in memory, at most " + ((ReplayCacheConfig.Memory) replayCache).maxEntries() + " proofs";
    }

    /** Returns the bound agent listener address. */
    public InetSocketAddress agentAddress() {
        return (InetSocketAddress) agentChannel.localAddress();
    }

    /** Returns the bound admin listener address. */
    public InetSocketAddress adminAddress() {
        return (InetSocketAddress) adminChannel.localAddress();
    }

    /** Returns the public origin in use, for example {@code http://127.0.0.1:8080}. */
    public String publicOrigin() {
        return publicOrigin;
    }

    /** Returns the directory of the audit log this gateway appends to. */
    public Path auditDirectory() {
        return config.audit().directory();
    }

    /** Returns the gateway's public JWK set, as served at {@code /.well-known/jwks.json}. */
    public String jwksJson() {
        return tokenServices.jwksJson();
    }

    /** Returns the address of the built-in sample tool, or {@code null} when it is not configured. */
    public InetSocketAddress sampleToolAddress() {
        return sampleTool == null ? null : sampleTool.address();
    }

    /**
     * Stops accepting, closes connections and the audit log. In order: listeners, audit streams, backend pools,
     * connections, the token exchange and authentication executors, the replay cache connection, the sample tool,
     * the audit log after its pending appends, and last the Kafka export, which saves how far Kafka acknowledged.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeChannel(agentChannel);
        closeChannel(adminChannel);
        if (auditStreams != null) {
            auditStreams.close();
        }
        if (upstreams != null) {
            upstreams.close();
        }
        shutdown(ioGroup);
        shutdown(acceptGroup);
        if (tokenExchangeExecutor != null) {
            tokenExchangeExecutor.shutdownNow();
        }
        if (authenticationExecutor != null) {
            authenticationExecutor.shutdownNow();
        }
        if (tokenServices != null) {
            tokenServices.close();
        }
        if (sampleTool != null) {
            sampleTool.close();
        }
        closeAuditLog();
        if (auditExport != null) {
            auditExport.close();
        }
        if (started) {
            log.info("Agent gateway stopped");
        }
    }

    private static void closeChannel(Channel channel) {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
    }

    private static void shutdown(EventLoopGroup group) {
        if (group != null) {
            group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private void closeAuditLog() {
        if (auditRecorder == null) {
            return;
        }
        try {
            auditRecorder.close();
        } catch (IOException e) {
            log.warn("Closing the audit log failed", e);
        }
    }
}
