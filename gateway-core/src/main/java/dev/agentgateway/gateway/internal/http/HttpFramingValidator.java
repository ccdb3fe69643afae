package dev.agentgateway.gateway.internal.http;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;

/**
 * Checks the framing rules of a decoded request head that the codec leaves open, and marks a violating request
 * with a failed {@code DecoderResult} carrying an {@link HttpFramingException}. It re-checks the rules the codec
 * already enforces, so the gateway stays strict if the codec's configuration changes.
 *
 * <p>Rules: HTTP/1.0 or HTTP/1.1 only; at most {@code maxHeaderCount} fields; exactly one {@code Host} in HTTP/1.1
 * (RFC 9112 §3.2); {@code Transfer-Encoding} only in HTTP/1.1, only once and only as exactly {@code chunked};
 * never {@code Content-Length} together with {@code Transfer-Encoding}; at most one {@code Content-Length}, a
 * plain decimal number (RFC 9112 §6); no expectation other than {@code 100-continue}; no {@code Connection}
 * option naming a field the gateway sets or strips.
 */
@Sharable
public final class HttpFramingValidator extends ChannelInboundHandlerAdapter {

    private final int maxHeaderCount;

    public HttpFramingValidator(int maxHeaderCount) {
        this.maxHeaderCount = maxHeaderCount;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
            try {
                validate(request);
            } catch (HttpFramingException e) {
                request.setDecoderResult(DecoderResult.failure(e));
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** Throws when {@code request}'s head breaks a framing rule. */
    public void validate(HttpRequest request) throws HttpFramingException {
        validateVersion(request.protocolVersion());
        HttpHeaders headers = request.headers();
        if (headers.size() > maxHeaderCount) {
            throw new HttpFramingException(431,
                    "request has " + headers.size() + " header fields (expected: at most " + maxHeaderCount + ")");
        }
        validateHost(request.protocolVersion(), headers.getAll(HttpHeaderNames.HOST));
        List<String> transferEncodings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        List<String> contentLengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (!transferEncodings.isEmpty() && !contentLengths.isEmpty()) {
            throw new HttpFramingException(400,
                    "request has both Content-Length and Transfer-Encoding (expected: at most one of them)");
        }
        validateTransferEncoding(request.protocolVersion(), transferEncodings);
        validateContentLength(contentLengths);
        validateExpectation(headers.getAll(HttpHeaderNames.EXPECT));
        validateConnection(headers);
    }

    /**
     * Rejects a {@code Connection} field that lists a framing field, {@code Host} or a field the gateway owns or
     * strips (RFC 9110 §7.6.1 lets a proxy reject such a message). Honouring it would delete the field before
     * forwarding, for example {@code Content-Length}, which would turn the body into a second request upstream.
     */
    private static void validateConnection(HttpHeaders headers) throws HttpFramingException {
        String option = GatewayHeaders.protectedConnectionOption(headers);
        if (option != null) {
            throw new HttpFramingException(400, "Connection lists " + RequestTargetNormalizer.quote(option)
                    + ", a field the gateway sets or strips (expected: only options such as close or keep-alive)");
        }
    }

    private static void validateVersion(HttpVersion version) throws HttpFramingException {
        if (!version.protocolName().equals("HTTP") || version.majorVersion() != 1 || version.minorVersion() > 1) {
            throw new HttpFramingException(505,
                    "HTTP version \"" + version.text() + "\" is not supported (expected: HTTP/1.0 or HTTP/1.1)");
        }
    }

    private static void validateHost(HttpVersion version, List<String> hosts) throws HttpFramingException {
        boolean http11 = version.minorVersion() == 1;
        if (hosts.size() > 1 || (http11 && hosts.isEmpty())) {
            throw new HttpFramingException(400,
                    "request has " + hosts.size() + " Host fields (expected: exactly one in HTTP/1.1)");
        }
    }

    private static void validateTransferEncoding(HttpVersion version, List<String> values)
            throws HttpFramingException {
        if (values.isEmpty()) {
            return;
        }
        if (version.minorVersion() == 0) {
            throw new HttpFramingException(400,
                    "HTTP/1.0 request has Transfer-Encoding (expected: Content-Length framing in HTTP/1.0)");
        }
        if (values.size() != 1 || !values.get(0).trim().equalsIgnoreCase("chunked")) {
            throw new HttpFramingException(400,
                    "Transfer-Encoding " + RequestTargetNormalizer.quote(String.join(", ", values))
                            + " is not supported (expected: exactly \"chunked\")");
        }
    }

    /** Accepts only {@code 100-continue}, the one expectation RFC 9110 §10.1.1 defines. */
    private static void validateExpectation(List<String> values) throws HttpFramingException {
        for (String value : values) {
            if (!value.trim().equalsIgnoreCase("100-continue")) {
                throw new HttpFramingException(417, "Expect " + RequestTargetNormalizer.quote(value)
                        + " is not supported (expected: 100-continue)");
            }
        }
    }

    private static void validateContentLength(List<String> values) throws HttpFramingException {
        if (values.size() > 1) {
            throw new HttpFramingException(400,
                    "request has " + values.size() + " Content-Length fields (expected: at most one)");
        }
        if (values.size() == 1 && !values.get(0).matches("[0-9]{1,18}")) {
            throw new HttpFramingException(400, "Content-Length " + RequestTargetNormalizer.quote(values.get(0))
                    + " is invalid (expected: a decimal number of bytes)");
        }
    }
}
