package dev.agentgateway.bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.JWKThumbprintConfirmation;
import com.nimbusds.oauth2.sdk.dpop.verifiers.AccessTokenValidationException;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProtectedResourceRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InvalidDPoPProofException;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import dev.agentgateway.bench.internal.BenchGateway;
import dev.agentgateway.bench.internal.JcaProviders;
import dev.agentgateway.bench.internal.ProofReplayChecker;
import dev.agentgateway.bench.internal.ProofRing;
import dev.agentgateway.config.TokenConfig;
import java.io.IOException;
import java.text.ParseException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.IterationParams;

/**
 * Verifies one ES256 DPoP proof of a tool call on its own: parsing the compact JWS, computing the proof key's
 * RFC 7638 thumbprint, and oauth2-oidc-sdk's resource request check (signature, {@code typ}, {@code htm},
 * {@code htu}, {@code iat}, {@code ath}, {@code cnf.jkt} and the {@code jti} replay check). The verifier gets the
 * gateway's proof algorithms, clock skew and maximum proof age.
 *
 * <p>NOTE: token-exchange has no public entry point for proof verification alone, so this measures the library
 * step its verifier delegates to. The gateway's own checks before that step (compact syntax, claim types, key
 * members) are measured only inside {@link AuthenticationBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class ProofVerificationBenchmark {

    private BenchGateway gateway;
    private String accessToken;
    private String keyThumbprint;
    private DPoPProtectedResourceRequestVerifier verifier;
    private ProofRing proofs;

    /** Starts a gateway and obtains the capability token the proofs are bound to through {@code ath}. */
    @Setup(Level.Trial)
    public void startGateway() throws Exception {
        System.out.println("# JCA providers: " + JcaProviders.install());
        gateway = BenchGateway.start("ES256", TokenConfig.DEFAULT_VERIFIED_TOKEN_CACHE_SIZE);
        accessToken = gateway.issueCapabilityToken();
        keyThumbprint = gateway.proofKeyThumbprint();
        Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
        gateway.dpopAlgorithms().forEach(name -> algorithms.add(JWSAlgorithm.parse(name)));
        long maxAgeSeconds = BenchGateway.PROOF_MAX_AGE.plus(BenchGateway.CLOCK_SKEW).toSeconds();
        verifier = new DPoPProtectedResourceRequestVerifier(algorithms, BenchGateway.CLOCK_SKEW.toSeconds(),
                maxAgeSeconds, new ProofReplayChecker(BenchGateway.PROOF_MAX_AGE, BenchGateway.CLOCK_SKEW));
    }

    /**
     * Signs the proofs for the next iteration, outside the measured method. Each call needs a proof with its own
     * {@code jti}, because the replay check rejects a proof it has seen.
     */
    @Setup(Level.Iteration)
    public void signProofs(IterationParams iteration) {
        proofs = ProofRing.forIteration(iteration,
                () -> gateway.resourceProof(accessToken));
    }

    @TearDown(Level.Trial)
    public void stopGateway() throws IOException {
        gateway.close();
    }

    @Benchmark
    public void verifyProof(Blackhole blackhole) throws ParseException, JOSEException, InvalidDPoPProofException,
            AccessTokenValidationException {
        SignedJWT proof = SignedJWT.parse(proofs.next());
        DPoPIssuer issuer = new DPoPIssuer(proof.getHeader().getJWK().computeThumbprint().toString());
        verifier.verify(BenchGateway.METHOD, BenchGateway.REQUEST_URI, issuer, proof,
                new DPoPAccessToken(accessToken), new JWKThumbprintConfirmation(new Base64URL(keyThumbprint)), null,
                blackhole::consume);
    }
}
