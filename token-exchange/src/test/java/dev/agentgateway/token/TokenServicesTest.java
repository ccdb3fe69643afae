package dev.agentgateway.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.agentgateway.config.AuditConfig;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.config.JwksSource;
import dev.agentgateway.config.ListenerConfig;
import dev.agentgateway.config.OperatorConfig;
import dev.agentgateway.config.PolicyConfig;
import dev.agentgateway.config.RouteConfig;
import dev.agentgateway.config.SigningKeyConfig;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.config.TrustedIssuerConfig;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenServicesTest {

    @TempDir
    Path directory;

    @Test
    void metadataDescribesEndpoints() throws Exception {
        Fixture fixture = new Fixture(directory);

        JsonNode metadata = Fixture.json(fixture.services.metadataJson());

        assertThat(metadata.get("issuer").asText()).isEqualTo(Fixture.ORIGIN);
        assertThat(metadata.get("token_endpoint").asText()).isEqualTo(Fixture.ORIGIN + "/oauth2/token");
        assertThat(metadata.get("jwks_uri").asText()).isEqualTo(Fixture.ORIGIN + "/.well-known/jwks.json");
        assertThat(metadata.get("grant_types_supported").toString())
                .isEqualTo("[\"urn:ietf:params:oauth:grant-type:token-exchange\"]");
        assertThat(metadata.get("token_endpoint_auth_methods_supported").toString()).isEqualTo("[\"none\"]");
        assertThat(metadata.get("dpop_signing_alg_values_supported").toString())
                .isEqualTo("[\"ES256\",\"ES384\",\"ES512\",\"RS256\",\"PS256\"]");
    }

    @Test
    void jwksHoldsOnlyPublicKey() throws Exception {
        Fixture fixture = new Fixture(directory);

        JWKSet keys = JWKSet.parse(fixture.services.jwksJson());

        assertThat(keys.getKeys()).hasSize(1);
        assertThat(keys.getKeys().get(0).isPrivate()).isFalse();
        assertThat(fixture.services.jwksJson()).doesNotContain("\"d\"");
        assertThat(keys.getKeys().get(0).getKeyID()).isEqualTo(keys.getKeys().get(0).computeThumbprint().toString());
    }

    @Test
    void dpopAlgorithmsListed() throws Exception {
        Fixture fixture = new Fixture(directory);

        assertThat(fixture.services.dpopAlgorithms()).containsExactly("ES256", "ES384", "ES512", "RS256", "PS256");
    }

    @Test
    void originWithPathRejected() {
        for (String origin : List.of("http://127.0.0.1:8080/", "http://127.0.0.1:8080/gw", "127.0.0.1:8080")) {
            assertThatThrownBy(() -> TokenServices.create(config(List.of()), origin, new Fixture.FakeAuthority(),
                    Clock.systemUTC())).as(origin).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void hmacIssuerAlgorithmRejected() throws Exception {
        ECKey key = Fixture.ecKey("k");
        TrustedIssuerConfig issuer = new TrustedIssuerConfig("https://idp.example.test",
                new JwksSource.Inline(new JWKSet(key.toPublicJWK()).toString()), Set.of("gw"), Set.of("HS256"),
                Set.of("JWT"));

        assertThatThrownBy(() -> TokenServices.create(config(List.of(issuer)), Fixture.ORIGIN,
                new Fixture.FakeAuthority(), Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HS256");
    }

    @Test
    void untypedTokenRejectedWhenTypRequired() throws Exception {
        Fixture fixture = new Fixture(directory.resolve("fixture"));
        TrustedIssuerConfig issuer = new TrustedIssuerConfig(Fixture.IDP,
                new JwksSource.Inline(new JWKSet(fixture.idpKey.toPublicJWK()).toString()),
                Set.of(Fixture.GATEWAY_AUDIENCE), Set.of("ES256"), Set.of("JWT"));
        TokenServices services = TokenServices.create(config(List.of(issuer)), Fixture.ORIGIN, fixture.authority,
                fixture.clock);
        String untyped = Fixture.sign(fixture.idpKey, null, fixture.subjectClaims().build());

        assertThatThrownBy(() -> services.tokenExchange().exchange(new TokenExchangeRequest("POST",
                Fixture.TOKEN_ENDPOINT, Fixture.form("grant_type", TokenExchangeService.GRANT_TYPE,
                        "subject_token", untyped, "subject_token_type", Fixture.ID_TOKEN_TYPE, "audience", "ops"),
                List.of(fixture.tokenProof()))))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.code()).isEqualTo(OAuthErrorCode.INVALID_REQUEST);
                    assertThat(e.description()).contains("typ");
                });
    }

    @Test
    void configuredLifetimeUsed() throws Exception {
        TokenConfig tokens = new TokenConfig(Duration.ofSeconds(45), Duration.ofSeconds(60), Duration.ofSeconds(5),
                Duration.ofSeconds(20));
        Fixture fixture = new Fixture(directory, tokens);

        TokenExchangeResult result = fixture.exchange().exchange(fixture.request(fixture.form()));
        String txnToken = fixture.services.txnTokens().issue(result.principal(), null, Set.of(), "rec-1", "ops");

        assertThat(result.expiresAt()).isEqualTo(fixture.now.plusSeconds(45));
        assertThat(SignedJWT.parse(txnToken).getJWTClaimsSet().getExpirationTime().toInstant())
                .isEqualTo(fixture.now.plusSeconds(20));
    }

    @Test
    void fileJwksReadAtStartup() throws Exception {
        ECKey key = Fixture.ecKey("file-1");
        Path jwks = directory.resolve("idp-jwks.json");
        Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
        TrustedIssuerConfig issuer = new TrustedIssuerConfig("https://idp.example.test", new JwksSource.FromFile(jwks),
                Set.of("gw"), Set.of("ES256"), Set.of("JWT"));
        TokenServices services = TokenServices.create(config(List.of(issuer)), Fixture.ORIGIN,
                new Fixture.FakeAuthority(), Clock.systemUTC());
        Files.delete(jwks);

        assertThat(services.tokenExchange()).isNotNull();
    }

    @Test
    void urlJwksFetchedOnDemandOnly() throws Exception {
        ECKey key = Fixture.ecKey("url-1");
        AtomicInteger fetches = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            byte[] body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            String issuerName = "http://127.0.0.1:" + server.getAddress().getPort();
            TrustedIssuerConfig issuer = new TrustedIssuerConfig(issuerName,
                    new JwksSource.FromUrl(URI.create(base + "/jwks")), Set.of("gw"), Set.of("ES256"), Set.of("JWT"));
            Fixture fixture = new Fixture(directory.resolve("fixture"));
            TokenServices services = TokenServices.create(config(List.of(issuer)), Fixture.ORIGIN, fixture.authority,
                    fixture.clock);
            assertThat(fetches.get()).as("fetches at startup").isZero();

            String subject = Fixture.sign(key, JOSEObjectType.JWT, fixture.subjectClaims().issuer(issuerName)
                    .audience("gw").build());
            TokenExchangeResult result = services.tokenExchange().exchange(new TokenExchangeRequest("POST",
                    Fixture.TOKEN_ENDPOINT, Fixture.form("grant_type", TokenExchangeService.GRANT_TYPE,
                            "subject_token", subject, "subject_token_type", Fixture.ID_TOKEN_TYPE, "audience", "ops"),
                    List.of(fixture.tokenProof())));

            assertThat(result.principal().issuer()).isEqualTo(issuerName);
            assertThat(fetches.get()).isEqualTo(1);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void urlJwksRedirectNotFollowed() throws Exception {
        ECKey key = Fixture.ecKey("url-1");
        AtomicInteger redirectTargetHits = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks", exchange -> {
            exchange.getResponseHeaders().add("Location", "/elsewhere");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.createContext("/elsewhere", exchange -> {
            redirectTargetHits.incrementAndGet();
            byte[] body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            String issuerName = "http://127.0.0.1:" + server.getAddress().getPort();
            TrustedIssuerConfig issuer = new TrustedIssuerConfig(issuerName,
                    new JwksSource.FromUrl(URI.create(issuerName + "/jwks")), Set.of("gw"), Set.of("ES256"),
                    Set.of("JWT"));
            Fixture fixture = new Fixture(directory.resolve("fixture"));
            TokenServices services = TokenServices.create(config(List.of(issuer)), Fixture.ORIGIN, fixture.authority,
                    fixture.clock);
            String subject = Fixture.sign(key, JOSEObjectType.JWT, fixture.subjectClaims().issuer(issuerName)
                    .audience("gw").build());

            assertThatThrownBy(() -> services.tokenExchange().exchange(new TokenExchangeRequest("POST",
                    Fixture.TOKEN_ENDPOINT, Fixture.form("grant_type", TokenExchangeService.GRANT_TYPE,
                            "subject_token", subject, "subject_token_type", Fixture.ID_TOKEN_TYPE, "audience", "ops"),
                    List.of(fixture.tokenProof()))))
                    .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.code())
                            .isEqualTo(OAuthErrorCode.INVALID_REQUEST));
            assertThat(redirectTargetHits.get()).isZero();
        } finally {
            server.stop(0);
        }
    }

    private GatewayConfig config(List<TrustedIssuerConfig> issuers) {
        RouteConfig route = new RouteConfig("ops", "/tools/ops/", URI.create("http://127.0.0.1:9/"),
                Duration.ofSeconds(2), Duration.ofSeconds(30), "ops");
        return new GatewayConfig(null, new ListenerConfig("127.0.0.1", 0), new ListenerConfig("127.0.0.1", 0),
                Fixture.ORIGIN, List.of(route), issuers,
                new SigningKeyConfig(directory.resolve("services-key.jwk"), "ES256"),
                new AuditConfig(directory.resolve("audit")), TokenConfig.defaults(),
                new PolicyConfig(new OperatorConfig(Set.of("oncall"), Set.of("hwk"), null, null), List.of()), null);
    }
}
