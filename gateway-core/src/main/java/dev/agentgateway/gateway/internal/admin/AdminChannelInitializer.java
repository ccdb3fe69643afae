package dev.agentgateway.gateway.internal.admin;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;

/**
 * Builds the admin listener pipeline: a small HTTP codec, requests aggregated up to 8 KiB, one request at a time,
 * {@link AdminHandler}.
 */
@Sharable
public final class AdminChannelInitializer extends ChannelInitializer<Channel> {

    private static final int MAX_LINE_LENGTH = 4096;
    private static final int MAX_HEADER_SIZE = 8192;
    private static final int MAX_BODY_SIZE = 8192;
    private static final int READ_TIMEOUT_SECONDS = 60;

    private final AdminHandler handler;

    public AdminChannelInitializer(AdminHandler handler) {
        this.handler = handler;
    }

    @Override
    protected void initChannel(Channel channel) {
        channel.pipeline().addLast(
                new ReadTimeoutHandler(READ_TIMEOUT_SECONDS),
                new HttpServerCodec(MAX_LINE_LENGTH, MAX_HEADER_SIZE, MAX_BODY_SIZE),
                new HttpObjectAggregator(MAX_BODY_SIZE),
                new FlowControlHandler(),
                handler);
    }
}
