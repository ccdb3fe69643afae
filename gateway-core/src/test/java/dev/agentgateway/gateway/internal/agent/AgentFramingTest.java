package dev.agentgateway.gateway.internal.agent;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.gateway.internal.http.HttpFramingValidator;
import dev.agentgateway.gateway.internal.http.HttpLimits;
import dev.agentgateway.gateway.internal.http.RequestHeaderTimeoutHandler;
import dev.agentgateway.gateway.internal.http.StrictHttpServerCodec;
import dev.agentgateway.gateway.internal.metrics.GatewayMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The decode stage of the agent pipeline, driven through an {@link EmbeddedChannel}. */
class AgentFramingTest {

    private static final HttpLimits LIMITS = HttpLimits.defaults().withTimeouts(Duration.ofSeconds(10),
            Duration.ofSeconds(60));

    private final List<String> received = new ArrayList<>();
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        RequestHeaderTimeoutHandler headerTimeout = new RequestHeaderTimeoutHandler(LIMITS.headerReadTimeout());
        channel.pipeline().addLast(
                new IdleStateHandler(0, 0, LIMITS.idleTimeout().toNanos(), TimeUnit.NANOSECONDS),
                new StrictHttpServerCodec(LIMITS, headerTimeout),
                headerTimeout,
                new HttpFramingValidator(LIMITS.maxHeaderCount()),
                new FlowControlHandler(),
                new ExchangeHandler(new GatewayMetrics(), LIMITS),
                new RecordingEndpoint(received));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    static Stream<Arguments> rejectedRequests() {
        return Stream.of(
                Arguments.of("Content-Length with Transfer-Encoding", 400,
                        "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("Transfer-Encoding with Content-Length", 400,
                        "POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
                                + "0\r\n\r\n"),
                Arguments.of("differing Content-Length", 400,
                        "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
                Arguments.of("repeated Content-Length", 400,
                        "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"),
                Arguments.of("Content-Length list", 400,
                        "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc"),
                Arguments.of("signed Content-Length", 400,
                        "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc"),
                Arguments.of("Transfer-Encoding gzip, chunked", 400,
                        "POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("Transfer-Encoding xchunked", 400,
                        "POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("Transfer-Encoding repeated", 400,
                        "POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked"
                                + "\r\n\r\n0\r\n\r\n"),
                Arguments.of("Transfer-Encoding in HTTP/1.0", 400,
                        "POST /t HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("space before colon", 400, "GET /t HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n"),
                Arguments.of("tab before colon", 400, "GET /t HTTP/1.1\r\nHost: x\r\nX-A\t: 1\r\n\r\n"),
                Arguments.of("obs-fold", 400, "GET /t HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n"),
                Arguments.of("obs-fold with tab", 400, "GET /t HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\t2\r\n\r\n"),
                Arguments.of("bare CR in value", 400, "GET /t HTTP/1.1\r\nHost: x\r\nX-A: 1\r2\r\n\r\n"),
                Arguments.of("bare LF line end", 400, "GET /t HTTP/1.1\nHost: x\n\n"),
                Arguments.of("NUL in value", 400, "GET /t HTTP/1.1\r\nHost: x\r\nX-A: 1\u00002\r\n\r\n"),
                Arguments.of("control byte in value", 400, "GET /t HTTP/1.1\r\nHost: x\r\nX-A: 1\u00012\r\n\r\n"),
                Arguments.of("missing Host", 400, "GET /t HTTP/1.1\r\n\r\n"),
                Arguments.of("two Host fields", 400, "GET /t HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"),
                Arguments.of("HTTP/2.0 request line", 505, "GET /t HTTP/2.0\r\nHost: x\r\n\r\n"),
                Arguments.of("request line too long", 414,
                        "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("header section too large", 431,
                        "GET /t HTTP/1.1\r\nHost: x\r\nX-A: " + "a".repeat(17000) + "\r\n\r\n"),
                Arguments.of("too many header fields", 431, "GET /t HTTP/1.1\r\nHost: x\r\n"
                        + "X-A: 1\r\n".repeat(LIMITS.maxHeaderCount()) + "\r\n"),
                Arguments.of("unsupported expectation", 417,
                        "GET /t HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n"),
                Arguments.of("lower-case version", 400, "GET /t http/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("mixed-case version", 400, "GET /t Http/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("lower-case version 1.0", 400, "GET /t http/1.0\r\n\r\n"),
                Arguments.of("version without minor", 400, "GET /t HTTP/1\r\nHost: x\r\n\r\n"),
                connectionListing("Content-Length"),
                connectionListing("content-length"),
                connectionListing("Content_Length"),
                connectionListing("Transfer-Encoding"),
                connectionListing("Host"),
                connectionListing("Txn-Token"),
                connectionListing("txn_token"),
                connectionListing("X-Forwarded-For"),
                connectionListing("X-Forwarded-Proto"),
                connectionListing("Forwarded"),
                connectionListing("X-Request-Id"),
                connectionListing("Authorization"),
                connectionListing("DPoP"),
                connectionListing("Cookie"),
                connectionListing("Proxy-Authorization"),
                connectionListing("Via"),
                connectionListing("X-Real-IP"),
                Arguments.of("Connection listing Content-Length in second field", 400,
                        "POST /t HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nConnection: close, "
                                + "Content-Length\r\nContent-Length: 3\r\n\r\nabc"));
    }

    private static Arguments connectionListing(String field) {
        return Arguments.of("Connection listing " + field, 400, "POST /t HTTP/1.1\r\nHost: x\r\n"
                + "Connection: keep-alive, " + field + "\r\nContent-Length: 3\r\n\r\nabc");
    }

    @ParameterizedTest
    @ValueSource(strings = {"keep-alive", "close", "TE", "Upgrade", "Keep-Alive, X-Hop", "x-custom-hop"})
    void connectionOptionAccepted(String options) {
        channel.writeInbound(Unpooled.copiedBuffer("GET /t HTTP/1.1\r\nHost: x\r\nConnection: " + options
                + "\r\n\r\n", ISO_8859_1));

        assertThat(received).as(options).containsExactly("GET /t");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejectedRequests")
    void rejectsAndCloses(String name, int expectedStatus, String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, ISO_8859_1));

        String response = readResponses();
        assertThat(response).as(name).startsWith("HTTP/1.1 " + expectedStatus + " ");
        assertThat(response).as(name).containsIgnoringCase("connection: close");
        assertThat(response).as(name).containsIgnoringCase("x-request-id: ");
        assertThat(channel.isOpen()).as("channel open after %s", name).isFalse();
        assertThat(received).as("requests passed on after %s", name).isEmpty();
    }

    @Test
    void invalidChunkSizeGets400AfterHead() {
        channel.writeInbound(Unpooled.copiedBuffer("POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "zz\r\nabc\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n", ISO_8859_1));

        assertThat(readResponses()).startsWith("HTTP/1.1 400 ").containsIgnoringCase("connection: close");
        assertThat(channel.isOpen()).isFalse();
        assertThat(received).containsExactly("POST /t");
    }

    @Test
    void validRequestPassesAndKeepsConnectionOpen() {
        channel.writeInbound(Unpooled.copiedBuffer("GET /t HTTP/1.1\r\nHost: x\r\n\r\n", ISO_8859_1));

        assertThat(readResponses()).startsWith("HTTP/1.1 200 ").doesNotContainIgnoringCase("connection: close");
        assertThat(received).containsExactly("GET /t");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() {
        channel.writeInbound(Unpooled.copiedBuffer("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                + "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", ISO_8859_1));

        String responses = readResponses();
        assertThat(responses.split("HTTP/1.1 200 ", -1)).hasSize(3);
        assertThat(received).containsExactly("POST /a", "GET /b");
    }

    @Test
    void obsFoldInPipelinedRequestIsRejected() {
        channel.writeInbound(Unpooled.copiedBuffer("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                + "GET /b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", ISO_8859_1));

        String responses = readResponses();
        assertThat(responses).startsWith("HTTP/1.1 200 ").contains("HTTP/1.1 400 ");
        assertThat(received).containsExactly("POST /a");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void bodyLineWithSpaceIsNotObsFold() {
        String body = "x\r\n y";
        channel.writeInbound(Unpooled.copiedBuffer("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body, ISO_8859_1));

        assertThat(readResponses()).startsWith("HTTP/1.1 200 ");
        assertThat(received).containsExactly("POST /a");
    }

    @Test
    void slowHeaderSectionGets408() {
        channel.writeInbound(Unpooled.copiedBuffer("GET /t HTTP/1.1\r\nHost: x\r\n", ISO_8859_1));
        assertThat(readResponses()).isEmpty();

        channel.advanceTimeBy(LIMITS.headerReadTimeout().toMillis() + 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(readResponses()).startsWith("HTTP/1.1 408 ").containsIgnoringCase("connection: close");
        assertThat(channel.isOpen()).isFalse();
        assertThat(received).isEmpty();
    }

    @Test
    void completeHeaderSectionCancelsDeadline() {
        channel.writeInbound(Unpooled.copiedBuffer("GET /t HTTP/1.1\r\nHost: x\r\n\r\n", ISO_8859_1));
        readResponses();

        channel.advanceTimeBy(LIMITS.headerReadTimeout().toMillis() + 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(readResponses()).isEmpty();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void idleConnectionIsClosed() {
        channel.advanceTimeBy(LIMITS.idleTimeout().toMillis() + 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(readResponses()).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void http10RequestWithoutKeepAliveIsClosed() {
        channel.writeInbound(Unpooled.copiedBuffer("GET /t HTTP/1.0\r\n\r\n", ISO_8859_1));

        assertThat(readResponses()).startsWith("HTTP/1.1 200 ").containsIgnoringCase("connection: close");
        assertThat(channel.isOpen()).isFalse();
    }

    private String readResponses() {
        StringBuilder text = new StringBuilder();
        ByteBuf buffer;
        while ((buffer = channel.readOutbound()) != null) {
            text.append(buffer.toString(ISO_8859_1));
            buffer.release();
        }
        return text.toString();
    }

    /** Stands in for the handlers after the exchange stage: reads the whole request, then responds with 200. */
    private static final class RecordingEndpoint extends ChannelInboundHandlerAdapter {
        private final List<String> received;

        RecordingEndpoint(List<String> received) {
            this.received = received;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Exchange exchange) {
                received.add(exchange.method() + " " + exchange.request().uri());
                ExchangeHandler.resumeReading(ctx);
                return;
            }
            boolean last = msg instanceof LastHttpContent;
            ReferenceCountUtil.release(msg);
            if (last) {
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                ctx.writeAndFlush(response);
            }
        }
    }
}
