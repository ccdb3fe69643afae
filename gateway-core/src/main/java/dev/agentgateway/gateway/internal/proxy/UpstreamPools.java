package dev.agentgateway.gateway.internal.proxy;

import dev.agentgateway.config.RouteConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.ChannelPool;
import io.netty.channel.pool.ChannelPoolHandler;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connection pools to the backends, one per route and event loop. A call uses a pool on the event loop
 * of its client connection, so both connections of a call run on one thread and need no locking. A pooled
 * connection that no call uses is closed after the route's idle timeout, which is meant to be shorter than the
 * backend's keep-alive timeout, so the gateway rather than the backend ends idle connections. Thread-safe.
 */
public final class UpstreamPools implements AutoCloseable {

    private static final int MAX_CONNECTIONS_PER_LOOP = 256;
    private static final int MAX_PENDING_ACQUIRES = 1024;
    private static final int MAX_RESPONSE_LINE_LENGTH = 8 * 1024;
    private static final int MAX_RESPONSE_HEADER_SIZE = 64 * 1024;
    private static final int MAX_CHUNK_SIZE = 16 * 1024;

    private final Class<? extends Channel> channelType;
    private final ConcurrentMap<PoolKey, ChannelPool> pools = new ConcurrentHashMap<>();

    /**
     * @param channelType client socket channel class of the transport in use
     */
    public UpstreamPools(Class<? extends Channel> channelType) {
        this.channelType = Objects.requireNonNull(channelType, "channelType");
    }

    /** Returns the pool for {@code route} on {@code loop}, creating it on first use. */
    public ChannelPool pool(EventLoop loop, RouteConfig route) {
        return pools.computeIfAbsent(new PoolKey(loop, route.tool()), key -> newPool(loop, route));
    }

    /**
     * Opens a new connection to the backend of {@code route} on {@code loop}, bypassing the pool, for a call that
     * must not run on a reused connection. The caller closes it after the call: it never joins the pool, and it
     * does not count toward the pool's connection limit.
     */
    public Future<Channel> connectNew(EventLoop loop, RouteConfig route) {
        PoolHandler setup = new PoolHandler(route.idleTimeout());
        Promise<Channel> connected = loop.newPromise();
        bootstrap(loop, route)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        setup.channelCreated(channel);
                    }
                })
                .connect()
                .addListener((ChannelFuture connect) -> {
                    if (connect.isSuccess()) {
                        connected.setSuccess(connect.channel());
                    } else {
                        connected.setFailure(connect.cause());
                    }
                });
        return connected;
    }

    private ChannelPool newPool(EventLoop loop, RouteConfig route) {
        return new FixedChannelPool(bootstrap(loop, route), new PoolHandler(route.idleTimeout()),
                ChannelHealthChecker.ACTIVE, FixedChannelPool.AcquireTimeoutAction.FAIL,
                route.connectTimeout().toMillis(), MAX_CONNECTIONS_PER_LOOP, MAX_PENDING_ACQUIRES, true, true);
    }

    private Bootstrap bootstrap(EventLoop loop, RouteConfig route) {
        URI backend = route.backend();
        long connectMillis = route.connectTimeout().toMillis();
        // NOTE: a backend host name is resolved on the event loop by Netty's default, blocking resolver. IP
        // literals, as in the examples, need no lookup.
        return new Bootstrap()
                .group(loop)
                .channel(channelType)
                .remoteAddress(InetSocketAddress.createUnresolved(backend.getHost(), backend.getPort()))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectMillis))
                .option(ChannelOption.TCP_NODELAY, true);
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
