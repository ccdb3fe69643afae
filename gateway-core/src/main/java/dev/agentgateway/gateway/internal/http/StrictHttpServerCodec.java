package dev.agentgateway.gateway.internal.http;

import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * HTTP/1.1 server codec with strict framing: size limits, CRLF-only line endings, validated header names and
 * values, no duplicate {@code Content-Length}, RFC 9112 {@code Transfer-Encoding} rules (no {@code Content-Length}
 * beside it, none in HTTP/1.0) and no obs-fold. Invalid requests come out with a failed {@code DecoderResult}.
 *
 * <p>It replaces {@code HttpServerCodec} because that codec's decoder cannot be extended to reject obs-fold. The
 * response encoder does not track HEAD requests, so callers must not set {@code Transfer-Encoding: chunked} on a
 * response to HEAD.
 */
public final class StrictHttpServerCodec extends CombinedChannelDuplexHandler<StrictRequestDecoder, HttpResponseEncoder> {

    public StrictHttpServerCodec(HttpLimits limits, HeaderSectionListener listener) {
        super(new StrictRequestDecoder(decoderConfig(limits), listener), new HttpResponseEncoder());
    }

    private static HttpDecoderConfig decoderConfig(HttpLimits limits) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestLineLength())
                .setMaxHeaderSize(limits.maxHeaderSectionSize())
                .setMaxChunkSize(limits.maxChunkSize())
                .setValidateHeaders(true)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setAllowPartialChunks(true)
                .setUseRfc9112TransferEncoding(true);
    }
}
