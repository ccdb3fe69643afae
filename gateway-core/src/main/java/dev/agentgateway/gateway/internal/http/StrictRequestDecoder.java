package dev.agentgateway.gateway.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Netty's request decoder plus three things it does not do. It rejects obs-fold continuation lines (RFC 9112 §5.2),
 * which Netty would silently join to the previous field value. It rejects an HTTP-version in other letter case,
 * which Netty would upper-case. It reports where each header section starts and ends, for the header read deadline.
 *
 * <p>The decoder can tell which consumed bytes belong to a header section: Netty returns from {@code decode} as soon
 * as it emits the request head, so every byte consumed between the end of one request and the next head is part of
 * that head. After a rejection the decoder discards all further input, like Netty does after an invalid message.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {

    /** The HTTP-version syntax of RFC 9112 §2.3, which is case-sensitive. */
    private static final Pattern VERSION = Pattern.compile("HTTP/[0-9]\\.[0-9]");

    private final HeaderSectionListener listener;
    private final ObsFoldScanner scanner = new ObsFoldScanner();
    private boolean readingHeaderSection = true;
    private boolean headerSectionStarted;
    private boolean discarding;

    StrictRequestDecoder(HttpDecoderConfig config, HeaderSectionListener listener) {
        super(config);
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (discarding) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (readingHeaderSection && !headerSectionStarted && in.isReadable()) {
            headerSectionStarted = true;
            listener.headerSectionStarted();
        }

        int start = in.readerIndex();
        int firstOutput = out.size();
        super.decode(ctx, in, out);

        if (readingHeaderSection && scanner.scan(in, start, in.readerIndex())) {
            rejectObsFold(in, out, firstOutput);
            return;
        }
        trackMessageBoundaries(out, firstOutput);
    }

    /**
     * Rejects an HTTP-version that is not {@code HTTP/} followed by two digits, before Netty upper-cases it. RFC 9112
     * §2.3 makes the HTTP-version case-sensitive, so {@code http/1.1} is invalid, and a backend may read it in
     * another way than the gateway.
     */
    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
        String version = initialLine[2];
        if (!VERSION.matcher(version).matches()) {
            throw new HttpFramingException(400, "HTTP-version " + RequestTargetNormalizer.quote(version)
                    + " is invalid (expected: HTTP/1.1 or HTTP/1.0, in upper case)");
        }
        return super.createMessage(initialLine);
    }

    private void trackMessageBoundaries(List<Object> out, int firstOutput) {
        for (int i = firstOutput; i < out.size(); i++) {
            Object message = out.get(i);
            if (message instanceof HttpRequest) {
                readingHeaderSection = false;
                listener.headerSectionEnded();
            }
            if (message instanceof LastHttpContent) {
                readingHeaderSection = true;
                headerSectionStarted = false;
                scanner.reset();
            }
        }
    }

    private void rejectObsFold(ByteBuf in, List<Object> out, int firstOutput) {
        while (out.size() > firstOutput) {
            ReferenceCountUtil.release(out.remove(out.size() - 1));
        }
        HttpMessage invalid = createInvalidMessage();
        invalid.setDecoderResult(DecoderResult.failure(new HttpFramingException(400,
                "header section contains an obs-fold continuation line (expected: each field on one line)")));
        out.add(invalid);
        discarding = true;
        in.skipBytes(in.readableBytes());
        listener.headerSectionEnded();
    }

    /**
     * Finds a header line that starts with SP or HTAB. The state survives across calls because a header section
     * may arrive in many reads; each byte is scanned once.
     */
    private static final class ObsFoldScanner {
        private boolean requestLineStarted;
        private boolean atLineStart;
        private boolean lineEmpty;
        private boolean sectionEnded;
        private int lineNumber;

        /** Scans bytes {@code from} (inclusive) to {@code to} (exclusive); returns whether an obs-fold was found. */
        boolean scan(ByteBuf buffer, int from, int to) {
            for (int i = from; i < to && !sectionEnded; i++) {
                if (scanByte(buffer.getByte(i))) {
                    return true;
                }
            }
            return false;
        }

        private boolean scanByte(byte b) {
            if (!requestLineStarted) {
                // Netty skips control characters and whitespace before the request line, and so does the scan.
                requestLineStarted = b > ' ' && b != 0x7f;
                return false;
            }
            if (b == '\n') {
                sectionEnded = lineEmpty && lineNumber > 0;
                lineNumber++;
                atLineStart = true;
                lineEmpty = true;
                return false;
            }
            if (b == '\r') {
                return false;
            }
            if (atLineStart && (b == ' ' || b == '\t')) {
                return true;
            }
            atLineStart = false;
            lineEmpty = false;
            return false;
        }

        void reset() {
            requestLineStarted = false;
            atLineStart = false;
            lineEmpty = false;
            sectionEnded = false;
            lineNumber = 0;
        }
    }
}
