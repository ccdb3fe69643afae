package dev.agentgateway.bench;

import dev.agentgateway.bench.internal.BenchGateway;
import dev.agentgateway.bench.internal.JcaProviders;
import dev.agentgateway.bench.internal.ProofRing;
import dev.agentgateway.config.TokenConfig;
import dev.agentgateway.token.AccessTokenAuthenticator;
import dev.agentgateway.token.OAuthException;
import dev.agentgateway.token.VerifiedCall;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.IterationParams;

/**
 * Authenticates one tool call with {@link AccessTokenAuthenticator#authenticate}: the {@code Authorization: DPoP}
 * capability token and its DPoP proof, everything the proxy checks before policy. Every call presents the same
 * capability token with a new ES256 proof.
 *
 * <ul>
 *   <li>{@code cachedToken}: the verified-token cache is on and already contains the token, so a call should cost
 *       one signature check, the proof's.
 *   <li>{@code uncachedToken}: the cache is off, so every call also checks the token's signature, as on the first
 *       sight of a token.
 * </ul>
 *
 * <p>{@code algorithm} is the gateway signing key's algorithm, which signs the capability token.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AuthenticationBenchmark {

    /** A gateway, its capability token and the proofs for one iteration. */
    @State(Scope.Thread)
    public abstract static class GatewayCall {

        @Param({"ES256", "EdDSA"})
        public String algorithm;

        private BenchGateway gateway;
        private AccessTokenAuthenticator authenticator;
        private List<String> authorization;
        private ProofRing proofs;

        /** Returns the bound of the verified-token cache; 0 turns it off. */
        abstract long verifiedTokenCacheSize();

        @Setup(Level.Trial)
        public void startGateway() throws Exception {
            System.out.println("# JCA providers: " + JcaProviders.install());
            gateway = BenchGateway.start(algorithm, verifiedTokenCacheSize());
            authenticator = gateway.authenticator();
        }

        /**
         * Issues a new capability token, signs the proofs for the next iteration and authenticates one call, all
         * outside the measured method. The new token lasts {@link BenchGateway#CAPABILITY_LIFETIME}, so it does
         * not expire during an iteration. The first call puts the token into the verified-token cache when that is on,
         * and fails the setup early when the gateway rejects the call.
         */
        @Setup(Level.Iteration)
        public void prepareIteration(IterationParams iteration) throws OAuthException {
            String token = gateway.issueCapabilityToken();
            authorization = List.of("DPoP " + token);
            proofs = ProofRing.forIteration(iteration,
                    () -> gateway.resourceProof(token));
            authenticate();
        }

        @TearDown(Level.Trial)
        public void stopGateway() throws IOException {
            gateway.close();
        }

        VerifiedCall authenticate() throws OAuthException {
            return authenticator.authenticate(BenchGateway.METHOD, BenchGateway.REQUEST_URI, BenchGateway.TOOL,
                    authorization, List.of(proofs.next())).orElseThrow();
        }
    }

    /** A gateway whose verified-token cache is on at its default bound. */
    public static class CachedToken extends GatewayCall {

        @Override
        long verifiedTokenCacheSize() {
            return TokenConfig.DEFAULT_VERIFIED_TOKEN_CACHE_SIZE;
        }
    }

    /** A gateway whose verified-token cache is off. */
    public static class UncachedToken extends GatewayCall {

        @Override
        long verifiedTokenCacheSize() {
            return 0;
        }
    }

    @Benchmark
    public VerifiedCall cachedToken(CachedToken call) throws OAuthException {
        return call.authenticate();
    }

    @Benchmark
    public VerifiedCall uncachedToken(UncachedToken call) throws OAuthException {
        return call.authenticate();
    }
}
