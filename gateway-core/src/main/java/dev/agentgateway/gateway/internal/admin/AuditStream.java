package dev.agentgateway.gateway.internal.admin;

import dev.agentgateway.audit.AuditPrinter;
import dev.agentgateway.audit.AuditRecord;
import dev.agentgateway.audit.AuditRecords;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server-sent event stream of audit records on an admin connection. Each matching record is one event:
 * {@code id: <seq>}, {@code event: audit} and one {@code data:} line holding the record as JSON, which has no line
 * break because JSON escapes them. A reader thread polls the log. It reads nothing while the connection is not
 * writable, so a slow client holds back the reads instead of filling memory.
 */
final class AuditStream {

    private static final Logger log = LoggerFactory.getLogger(AuditStream.class);
    /** Records examined per poll before the reader thread moves on to other streams. */
    private static final int RECORDS_PER_POLL = 1024;
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final Channel channel;
    private final Path directory;
    private final LongSupplier durableSequence;
    private final AuditStreamQuery query;
    private final AuditStreams.Settings settings;
    private final ScheduledExecutorService readers;

    // Guarded by this; read and written on reader threads only.
    private AuditRecords follower;
    private boolean closed;
    private long lastEventNanos;
    private ScheduledFuture<?> polling;

    AuditStream(ChannelHandlerContext ctx, Path directory, LongSupplier durableSequence, AuditStreamQuery query,
            AuditStreams.Settings settings, ScheduledExecutorService readers) {
        this.channel = ctx.channel();
        this.directory = directory;
        this.durableSequence = durableSequence;
        this.query = query;
        this.settings = settings;
        this.readers = readers;
    }

    /**
     * Sends the response head and starts polling. The connection carries no further requests: its read timeout is
     * removed and whatever the client still sends is discarded, so a closed connection is noticed at once.
     */
    void start() {
        if (channel.pipeline().get(ReadTimeoutHandler.class) != null) {
            channel.pipeline().remove(ReadTimeoutHandler.class);
        }
        channel.pipeline().addFirst(DiscardInbound.INSTANCE);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        head.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        HttpUtil.setTransferEncodingChunked(head, true);
        channel.writeAndFlush(head);
        channel.config().setAutoRead(true);
        channel.closeFuture().addListener(done -> stop());
        synchronized (this) {
            lastEventNanos = System.nanoTime();
            try {
                polling = readers.scheduleWithFixedDelay(this::poll, 0, settings.pollInterval().toMillis(),
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                channel.close();
            }
        }
    }

    private synchronized void poll() {
        if (closed) {
            return;
        }
        try {
            if (follower == null) {
                follower = AuditRecords.open(directory, query.afterSequence(), durableSequence);
            }
            sendAvailable();
        } catch (IOException | RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                // The gateway is stopping and interrupted the read.
                finish();
                return;
            }
            log.warn("Audit stream to {} stopped: reading the audit log in {} failed", channel.remoteAddress(),
                    directory, e);
            channel.close();
        }
    }

    private void sendAvailable() throws IOException {
        boolean sent = false;
        for (int examined = 0; examined < RECORDS_PER_POLL && channel.isWritable(); examined++) {
            AuditRecord record = follower.next();
            if (record == null) {
                break;
            }
            if (query.filter().matches(record)) {
                channel.write(new DefaultHttpContent(event(record)));
                sent = true;
            }
        }
        long now = System.nanoTime();
        if (sent) {
            channel.flush();
            lastEventNanos = now;
        } else if (now - lastEventNanos >= settings.keepAliveInterval().toNanos()) {
            channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(KEEP_ALIVE)));
            lastEventNanos = now;
        }
    }

    /**
     * Returns the event of {@code record}. Its one {@code data:} line is the stored record line with every
     * character outside printable ASCII escaped, so no C1 control or bidirectional override reaches a terminal
     * that shows the stream. The content is unchanged: RFC 8785 canonicalization of the data gives back the
     * stored bytes, whose SHA-256 is the next record's {@code prev}.
     */
    private static ByteBuf event(AuditRecord record) {
        String text = "id: " + record.sequence() + "\nevent: audit\ndata: " + AuditPrinter.json(record) + "\n\n";
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    /**
     * Ends the response with its last chunk and then closes the connection, so a client sees a complete response
     * when the gateway stops rather than a cut-off transfer. Returns the future of that write.
     */
    ChannelFuture finish() {
        synchronized (this) {
            closed = true;
        }
        if (!channel.isActive()) {
            return channel.closeFuture();
        }
        ChannelFuture written = channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        written.addListener(ChannelFutureListener.CLOSE);
        return written;
    }

    private void stop() {
        synchronized (this) {
            closed = true;
            if (polling != null) {
                polling.cancel(false);
            }
        }
        try {
            readers.execute(this::closeFollower);
        } catch (RejectedExecutionException e) {
            closeFollower();
        }
    }

    private synchronized void closeFollower() {
        if (follower == null) {
            return;
        }
        try {
            follower.close();
        } catch (IOException e) {
            log.debug("Closing the audit log reader of a stream failed", e);
        }
        follower = null;
    }

    /** Drops every inbound message of a streaming connection; only the stream's responses flow on it. */
    @Sharable
    static final class DiscardInbound extends ChannelInboundHandlerAdapter {

        static final DiscardInbound INSTANCE = new DiscardInbound();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
