package dev.agentgateway.gateway.internal.proxy;

import dev.agentgateway.config.RouteConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.ChannelPool;
import io.netty.channel.pool.ChannelPoolHandler;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connection pools to the backends, one per route and event loop. A call uses a pool on the event loop
 * of its client connection, so both connections of a call run on one thread and need no locking. Thread-safe.
 */
public final class UpstreamPools implements AutoCloseable {

    private static final int MAX_CONNECTIONS_PER_LOOP = 256;
    private static final int MAX_PENDING_ACQUIRES = 1024;
    private static final int MAX_RESPONSE_LINE_LENGTH = 8 * 1024;
    private static final int MAX_RESPONSE_HEADER_SIZE = 64 * 1024;
    private static final int MAX_CHUNK_SIZE = 16 * 1024;

    private final Class<? extends Channel> channelType;
    private final Duration idleTimeout;
    private final ConcurrentMap<PoolKey, ChannelPool> pools = new ConcurrentHashMap<>();

    /**
     * @param channelType client socket channel class of the transport in use
     * @param idleTimeout time after which an unused pooled connection is closed
     */
    public UpstreamPools(Class<? extends Channel> channelType, Duration idleTimeout) {
        this.channelType = Objects.requireNonNull(channelType, "channelType");
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
    }

    /** Returns the pool for {@code route} on {@code loop}, creating it on first use. */
    public ChannelPool pool(EventLoop loop, RouteConfig route) {
        return pools.computeIfAbsent(new PoolKey(loop, route.tool()), key -> newPool(loop, route));
    }

    private ChannelPool newPool(EventLoop loop, RouteConfig route) {
        URI backend = route.backend();
        long connectMillis = route.connectTimeout().toMillis();
        // NOTE: a backend host name is resolved on the event loop by Netty's default, blocking resolver. IP
        // literals, as in the examples, need no lookup.
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .remoteAddress(InetSocketAddress.createUnresolved(backend.getHost(), backend.getPort()))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectMillis))
                .option(ChannelOption.TCP_NODELAY, true);
        return new FixedChannelPool(bootstrap, new PoolHandler(idleTimeout), ChannelHealthChecker.ACTIVE,
                FixedChannelPool.AcquireTimeoutAction.FAIL, connectMillis, MAX_CONNECTIONS_PER_LOOP,
                MAX_PENDING_ACQUIRES, true, true);
    }

    /** Closes every pool and its idle connections. */
    @Override
    public void close() {
        pools.values().forEach(ChannelPool::close);
        pools.clear();
    }

    private record PoolKey(EventLoop loop, String tool) {
    }

    /** Sets up each new upstream connection and resets it when it returns to the pool. */
    private static final class PoolHandler implements ChannelPoolHandler {
        private final Duration idleTimeout;

        PoolHandler(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
        }

        @Override
        public void channelCreated(Channel channel) {
            HttpDecoderConfig responseDecoder = new HttpDecoderConfig()
                    .setMaxInitialLineLength(MAX_RESPONSE_LINE_LENGTH)
                    .setMaxHeaderSize(MAX_RESPONSE_HEADER_SIZE)
                    .setMaxChunkSize(MAX_CHUNK_SIZE)
                    .setValidateHeaders(true)
                    .setStrictLineParsing(true)
                    .setAllowDuplicateContentLengths(false)
                    .setUseRfc9112TransferEncoding(true);
            channel.pipeline().addLast(
                    new IdleStateHandler(0, 0, idleTimeout.toNanos(), TimeUnit.NANOSECONDS),
                    new HttpClientCodec(responseDecoder, false, true),
                    new UpstreamRelayHandler());
        }

        @Override
        public void channelAcquired(Channel channel) {
        }

        @Override
        public void channelReleased(Channel channel) {
            UpstreamRelayHandler relay = UpstreamRelayHandler.of(channel);
            if (relay != null) {
                relay.detach();
            }
            channel.config().setAutoRead(true);
        }
    }
}
