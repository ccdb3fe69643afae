package dev.agentgateway.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentgateway.policy.Actor;
import dev.agentgateway.policy.Principal;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TxnTokenIssuerTest {

    @TempDir
    Path directory;

    Fixture fixture;
    final Principal alice = new Principal(Fixture.IDP, "alice", Set.of("oncall"), null, Set.of(), null);

    @BeforeEach
    void setUp() throws Exception {
        fixture = new Fixture(directory);
    }

    @Test
    void issuesSignedTxnToken() throws Exception {
        String token = fixture.services.txnTokens().issue(alice, new Actor(Fixture.AGENT_IDP, "agent-7"),
                Set.of("ops.write", "ops.read"), "rec-42", "ops-backend");

        SignedJWT jwt = SignedJWT.parse(token);
        JWKSet keys = JWKSet.parse(fixture.services.jwksJson());
        assertThat(jwt.verify(new ECDSAVerifier(keys.getKeys().get(0).toECKey()))).isTrue();
        assertThat(jwt.getHeader().getType().getType()).isEqualTo("txntoken+jwt");
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(keys.getKeys().get(0).getKeyID());
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(Fixture.ORIGIN);
        assertThat(claims.getAudience()).containsExactly("ops-backend");
        assertThat(claims.getIssueTime().toInstant()).isEqualTo(fixture.now);
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(fixture.now.plusSeconds(60));
        assertThat(claims.getJWTID()).hasSize(22);
        assertThat(claims.getStringClaim("txn")).isEqualTo("rec-42");
        assertThat(claims.getSubject()).isEqualTo("alice");
        assertThat(claims.getStringClaim("scope")).isEqualTo("ops.read ops.write");
        assertThat(claims.getJSONObjectClaim("act")).containsEntry("sub", "agent-7")
                .containsEntry("iss", Fixture.AGENT_IDP);
        assertThat(claims.getJSONObjectClaim("tctx")).containsEntry("principal_issuer", Fixture.IDP);
    }

    @Test
    void anonymousCallGetsAnonymousSubject() throws Exception {
        String token = fixture.services.txnTokens().issue(Principal.anonymous(), null, Set.of(), "rec-1", "ops");

        JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();
        assertThat(claims.getSubject()).isEqualTo("anonymous");
        assertThat(claims.getClaim("act")).isNull();
        assertThat(claims.getClaim("tctx")).isNull();
        assertThat(claims.getStringClaim("scope")).isEmpty();
    }

    @Test
    void controlCharactersRejected() {
        TxnTokenIssuer issuer = fixture.services.txnTokens();
        List<Runnable> calls = List.of(
                () -> issuer.issue(alice, null, Set.of(), "rec\r\nX-Injected: 1", "ops"),
                () -> issuer.issue(alice, null, Set.of(), "rec-1", "ops\n"),
                () -> issuer.issue(alice, null, Set.of("ops.read\u0000"), "rec-1", "ops"),
                () -> issuer.issue(new Principal(Fixture.IDP, "al\u007fice", Set.of(), null, Set.of(), null), null,
                        Set.of(), "rec-1", "ops"),
                () -> issuer.issue(alice, new Actor(Fixture.AGENT_IDP, "agent\u0085"), Set.of(), "rec-1", "ops"),
                () -> issuer.issue(new Principal("https://idp\t", "alice", Set.of(), null, Set.of(), null), null,
                        Set.of(), "rec-1", "ops"));

        for (Runnable call : calls) {
            assertThatThrownBy(call::run).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("control character");
        }
    }
}
