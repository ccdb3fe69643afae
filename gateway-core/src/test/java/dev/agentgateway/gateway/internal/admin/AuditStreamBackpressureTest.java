package dev.agentgateway.gateway.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.audit.AppendedRecord;
import dev.agentgateway.audit.AuditEvent;
import dev.agentgateway.audit.AuditEventType;
import dev.agentgateway.audit.AuditFilter;
import dev.agentgateway.audit.FileAuditLog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream whose client stops reading. The gateway stops reading the log once the connection is not writable, so
 * the bytes it holds for the client stay near the high water mark. Once the client reads again, it gets every
 * record in order.
 */
@Timeout(120)
class AuditStreamBackpressureTest {

    private static final int RECORDS = 20_000;
    private static final int HIGH_WATER_MARK = 64 * 1024;
    /**
     * Most the stream may hold for a client that reads nothing. Events are queued from the reader thread and counted
     * at their content size until the event loop encodes them into chunks. From then on Netty also counts its
     * overhead per buffer, so the held bytes can pass the mark by about half of it. Without backpressure they grow
     * by about 1 MB per poll here.
     */
    private static final int MAX_HELD_BYTES = 2 * HIGH_WATER_MARK;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T20:30:00.123Z"), ZoneOffset.UTC);

    @TempDir
    Path directory;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final AtomicLong polls = new AtomicLong();
    private final ScheduledThreadPoolExecutor readers = new ScheduledThreadPoolExecutor(1) {
        @Override
        protected void afterExecute(Runnable task, Throwable failure) {
            polls.incrementAndGet();
        }
    };
    private final AtomicReference<Channel> streamChannel = new AtomicReference<>();

    @AfterEach
    void stop() throws InterruptedException {
        readers.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }

    @Test
    void slowClientHoldsBackReads() throws Exception {
        writeLog();
        InetSocketAddress address = startServer();

        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(4096);
            client.connect(address);
            awaitTrue("stream connection not writable", () -> {
                Channel channel = streamChannel.get();
                return channel != null && !channel.isWritable();
            });
            long pollsWhenFull = polls.get();
            awaitTrue("five more polls", () -> polls.get() >= pollsWhenFull + 5);

            Channel channel = streamChannel.get();
            long pending = channel.eventLoop()
                    .submit(() -> channel.unsafe().outboundBuffer().totalPendingWriteBytes()).get();
            assertThat(pending).as("bytes held for the client").isLessThanOrEqualTo(MAX_HELD_BYTES);

            assertThat(readEventIds(client)).as("every record, in order").isEqualTo(sequence(1, RECORDS));
        }
    }

    private void writeLog() throws IOException {
        try (FileAuditLog log = FileAuditLog.open(directory, CLOCK)) {
            List<CompletableFuture<AppendedRecord>> appended = new ArrayList<>();
            String reason = "x".repeat(300);
            for (int i = 1; i <= RECORDS; i++) {
                appended.add(log.appendAsync(AuditEvent.builder(AuditEventType.DECISION, "req-" + i)
                        .decision("deny").tool("ops").reason(reason).build()));
            }
            CompletableFuture.allOf(appended.toArray(CompletableFuture[]::new)).join();
        }
    }

    private InetSocketAddress startServer() throws InterruptedException {
        AuditStreams.Settings settings = new AuditStreams.Settings(1, Duration.ofMillis(10), Duration.ofMinutes(1));
        Channel server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.SO_SNDBUF, 4096)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(HIGH_WATER_MARK / 2, HIGH_WATER_MARK))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpResponseEncoder(), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                streamChannel.set(ctx.channel());
                                new AuditStream(ctx, directory, () -> RECORDS,
                                        new AuditStreamQuery(AuditFilter.ALL, 0), settings, readers).start();
                                ctx.fireChannelActive();
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        return (InetSocketAddress) server.localAddress();
    }

    /** Reads events until {@link #RECORDS} ids have arrived and returns the ids in the order received. */
    private static List<Long> readEventIds(Socket client) throws IOException {
        List<Long> ids = new ArrayList<>();
        BufferedReader reader = new BufferedReader(
                new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while (ids.size() < RECORDS && (line = reader.readLine()) != null) {
            if (line.startsWith("id: ")) {
                ids.add(Long.parseLong(line.substring(4)));
            }
        }
        return ids;
    }

    private static List<Long> sequence(long first, long last) {
        List<Long> numbers = new ArrayList<>();
        for (long n = first; n <= last; n++) {
            numbers.add(n);
        }
        return numbers;
    }

    private static void awaitTrue(String description, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for %s", description).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
