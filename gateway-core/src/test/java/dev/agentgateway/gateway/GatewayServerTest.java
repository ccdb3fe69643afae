package dev.agentgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class GatewayServerTest {

    @Test
    void originFromIpv4Address() throws Exception {
        InetSocketAddress bound = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080);

        assertThat(GatewayServer.deriveOrigin(bound)).isEqualTo("http://127.0.0.1:8080");
    }

    @Test
    void originFromIpv6AddressIsBracketed() throws Exception {
        InetSocketAddress bound = new InetSocketAddress(InetAddress.getByName("::1"), 8443);

        assertThat(GatewayServer.deriveOrigin(bound)).isEqualTo("http://[::1]:8443");
    }

    @Test
    void originFromIpv4WildcardUsesLoopback() throws Exception {
        InetSocketAddress bound = new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 8080);

        assertThat(GatewayServer.deriveOrigin(bound)).isEqualTo("http://127.0.0.1:8080");
    }

    @Test
    void originFromIpv6WildcardUsesLoopback() throws Exception {
        InetSocketAddress bound = new InetSocketAddress(InetAddress.getByName("::"), 8080);

        assertThat(GatewayServer.deriveOrigin(bound)).isEqualTo("http://[::1]:8080");
    }
}
