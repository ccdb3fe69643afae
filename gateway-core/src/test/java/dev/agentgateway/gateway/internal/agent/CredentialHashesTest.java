package dev.agentgateway.gateway.internal.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentgateway.audit.AuditEvent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CredentialHashesTest {

    private static final String TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    private static final String PROOF = "eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJodG0iOiJHRVQifQ.cHJvb2Y";

    @Test
    void hashIsAthValue() throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(TOKEN.getBytes(StandardCharsets.US_ASCII));

        assertThat(CredentialHashes.sha256(TOKEN))
                .isEqualTo(Base64.getUrlEncoder().withoutPadding().encodeToString(digest));
    }

    @Test
    void decisionEventCarriesHashesOnly() {
        HttpRequest request = request();
        request.headers().add("Authorization", "DPoP " + TOKEN).add("DPoP", PROOF);

        AuditEvent event = AuditEvents.decision(new Exchange("req-1", request, 0), AuditEvents.DENY).build();

        assertThat(event.tokenHash()).isEqualTo(CredentialHashes.sha256(TOKEN));
        assertThat(event.proofHash()).isEqualTo(CredentialHashes.sha256(PROOF));
        assertThat(event.toString()).doesNotContain(TOKEN).doesNotContain(PROOF);
    }

    @Test
    void bearerTokenIsHashedToo() {
        HttpRequest request = request();
        request.headers().add("Authorization", "Bearer  " + TOKEN);

        assertThat(CredentialHashes.tokenHash(request.headers())).isEqualTo(CredentialHashes.sha256(TOKEN));
        assertThat(CredentialHashes.proofHash(request.headers())).isNull();
    }

    @Test
    void repeatedHeadersHaveNoHash() {
        HttpRequest request = request();
        request.headers().add("Authorization", "DPoP " + TOKEN).add("Authorization", "DPoP x")
                .add("DPoP", PROOF).add("DPoP", PROOF);

        assertThat(CredentialHashes.tokenHash(request.headers())).isNull();
        assertThat(CredentialHashes.proofHash(request.headers())).isNull();
    }

    @Test
    void schemeWithoutTokenHasNoHash() {
        HttpRequest request = request();
        request.headers().add("Authorization", "DPoP");

        assertThat(CredentialHashes.tokenHash(request.headers())).isNull();
    }

    @Test
    void anonymousCallHasNoHashes() {
        AuditEvent event = AuditEvents.decision(new Exchange("req-1", request(), 0), AuditEvents.ALLOW).build();

        assertThat(event.tokenHash()).isNull();
        assertThat(event.proofHash()).isNull();
    }

    private static HttpRequest request() {
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/tools/ops/queues");
    }
}
