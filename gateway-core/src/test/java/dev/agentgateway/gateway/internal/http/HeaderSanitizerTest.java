package dev.agentgateway.gateway.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderSanitizerTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Authorization", "authorization", "DPoP", "Cookie", "Proxy-Authorization", "Txn-Token"})
    void masksCredentialField(String name) {
        HttpHeaders headers = new DefaultHttpHeaders().add(name, "secret-value").add("Accept", "application/json");

        String described = HeaderSanitizer.describe(headers);

        assertThat(described).doesNotContain("secret-value");
        assertThat(described).contains(name + ": <masked>");
        assertThat(described).contains("Accept: application/json");
    }
}
