package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.JWKThumbprintConfirmation;
import com.nimbusds.oauth2.sdk.dpop.verifiers.AccessTokenValidationException;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProofContext;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProtectedResourceRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPTokenRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InvalidDPoPProofException;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import dev.agentgateway.token.OAuthErrorCode;
import dev.agentgateway.token.OAuthException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Verifies DPoP proofs (RFC 9449 §4.3) with oauth2-oidc-sdk's verifiers, adding the checks the SDK leaves out:
 * size limit, strict compact syntax, claim types and contents checked before the SDK parses them, no private key
 * members in {@code jwk}, RSA keys of at least 2048 bits, and {@code iat} checked against the injected clock. An
 * unchecked exception from the SDK becomes {@code invalid_dpop_proof}. Thread-safe.
 */
public final class DPoPProofVerifier {

    /** Maximum length of a DPoP proof in characters. */
    public static final int MAX_PROOF_LENGTH = 8 * 1024;
    /** Minimum RSA modulus size for proof keys. */
    public static final int MIN_RSA_BITS = 2048;
    /**
     * Accepted proof algorithms, in the order they are advertised.
     * NOTE: EdDSA is not offered for proofs, because oauth2-oidc-sdk 11.39's DPoP verifiers build their own Nimbus
     * verifiers and support only EC and RSA keys. The SDK also checks {@code typ} {@code dpop+jwt} itself, ignoring
     * letter case and without accepting an {@code application/} prefix.
     */
    public static final List<JWSAlgorithm> ALGORITHMS = List.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512, JWSAlgorithm.RS256, JWSAlgorithm.PS256);

    private static final String KIND = "DPoP proof";

    private final Duration proofMaxAge;
    private final Duration clockSkew;
    private final ProofReplayCache replayCache;
    private final Clock clock;
    private final DPoPProtectedResourceRequestVerifier resourceVerifier;

    /**
     * @param proofMaxAge how far in the past a proof's {@code iat} may lie, before skew
     * @param clockSkew tolerance applied to {@code iat} in both directions
     * @param replayCache single-use store for proof {@code jti}s
     * @param clock time source for {@code iat} checks
     */
    public DPoPProofVerifier(Duration proofMaxAge, Duration clockSkew, ProofReplayCache replayCache, Clock clock) {
        this.proofMaxAge = Objects.requireNonNull(proofMaxAge, "proofMaxAge");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
        this.replayCache = Objects.requireNonNull(replayCache, "replayCache");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.resourceVerifier = new DPoPProtectedResourceRequestVerifier(new LinkedHashSet<>(ALGORITHMS),
                clockSkew.toSeconds(), sdkMaxAgeSeconds(), replayCache);
    }

    /**
     * Returns the maximum {@code iat} age handed to the SDK, which checks it against the system clock.
     * This class checks the same window against the injected clock, see {@link #checkIssuedAt}.
     * NOTE: oauth2-oidc-sdk 11.39 reads the system clock for this check, so when the injected clock differs from
     * it a proof must fall inside both windows.
     */
    private long sdkMaxAgeSeconds() {
        return proofMaxAge.plus(clockSkew).toSeconds();
    }

    /** A verified proof: its key's RFC 7638 thumbprint and its {@code jti}. */
    public record VerifiedProof(String keyThumbprint, String proofId) {
    }

    /**
     * Verifies a proof sent to the token endpoint ({@code htm} POST, {@code htu} the endpoint).
     *
     * @throws OAuthException {@code invalid_dpop_proof} when any check fails
     */
    public VerifiedProof verifyTokenRequest(String proof, URI endpointUri) throws OAuthException {
        ParsedProof parsed = parse(proof);
        DPoPTokenRequestVerifier verifier = new DPoPTokenRequestVerifier(new LinkedHashSet<>(ALGORITHMS),
                endpointUri, clockSkew.toSeconds(), sdkMaxAgeSeconds(), replayCache);
        AtomicReference<JWTClaimsSet> claims = new AtomicReference<>();
        try {
            verifier.verify(parsed.issuer(), parsed.jwt(), null, context -> claims.set(context.getJWTClaimsSet()));
        } catch (RuntimeException e) {
            throw LibraryFailures.rejection(OAuthErrorCode.INVALID_DPOP_PROOF, KIND, e);
        } catch (InvalidDPoPProofException e) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF,
                    ProofErrors.describe(e, expected("POST", endpointUri)));
        } catch (JOSEException e) {
            throw signatureCheckFailed();
        }
        return verified(parsed, claims.get());
    }

    /**
     * Verifies a proof sent with a capability token to a protected resource.
     *
     * @param method request method as received, compared with {@code htm}
     * @param requestUri request URI; query and fragment are ignored when compared with {@code htu}
     * @param accessToken the capability token, whose hash the proof's {@code ath} must be
     * @param keyThumbprint the token's {@code cnf.jkt}
     * @throws OAuthException {@code invalid_dpop_proof} when the proof fails a check, {@code invalid_token} when
     *     the proof is valid but its key is not the one the token is bound to
     */
    public VerifiedProof verifyResourceRequest(String proof, String method, URI requestUri, String accessToken,
            String keyThumbprint) throws OAuthException {
        ParsedProof parsed = parse(proof);
        AtomicReference<DPoPProofContext> context = new AtomicReference<>();
        try {
            resourceVerifier.verify(method, requestUri, parsed.issuer(), parsed.jwt(),
                    new DPoPAccessToken(accessToken), new JWKThumbprintConfirmation(new Base64URL(keyThumbprint)),
                    null, context::set);
        } catch (RuntimeException e) {
            throw LibraryFailures.rejection(OAuthErrorCode.INVALID_DPOP_PROOF, KIND, e);
        } catch (InvalidDPoPProofException e) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF,
                    ProofErrors.describe(e, expected(method, requestUri)));
        } catch (AccessTokenValidationException e) {
            throw bindingFailure(context.get(), accessToken, keyThumbprint, parsed);
        } catch (JOSEException e) {
            throw signatureCheckFailed();
        }
        DPoPProofContext verifiedContext = context.get();
        return verified(parsed, verifiedContext == null ? null : verifiedContext.getJWTClaimsSet());
    }

    /** Returns what a proof for {@code method} and {@code requestUri} was checked against. */
    private ProofErrors.Expected expected(String method, URI requestUri) {
        URI htu = requestUri;
        try {
            htu = new URI(requestUri.getScheme(), requestUri.getRawAuthority(), requestUri.getRawPath(), null, null);
        } catch (URISyntaxException e) {
            // The URI came from a parsed request, so its parts always form a URI again.
        }
        return new ProofErrors.Expected(method, htu, proofMaxAge.toSeconds(), clockSkew.toSeconds());
    }

    private static OAuthException signatureCheckFailed() {
        return new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF,
                "DPoP proof signature could not be checked (expected: a usable public key in its jwk header)");
    }

    /** Tells an {@code ath} for another token (a bad proof) from a proof key the token is not bound to. */
    private static OAuthException bindingFailure(DPoPProofContext context, String accessToken, String keyThumbprint,
            ParsedProof parsed) {
        if (context == null || !accessTokenHash(accessToken).equals(context.getAccessTokenHash())) {
            return new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF,
                    "DPoP proof ath does not match the access token (expected: the base64url SHA-256 hash of the"
                            + " token sent with it)");
        }
        return new OAuthException(OAuthErrorCode.INVALID_TOKEN, "access token cnf.jkt " + Quoting.quote(keyThumbprint)
                + " does not match the DPoP proof key " + Quoting.quote(parsed.issuer().getValue()));
    }

    /** Returns the RFC 9449 §4.2 {@code ath} value for {@code accessToken}: base64url SHA-256 of its ASCII. */
    public static Base64URL accessTokenHash(String accessToken) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return Base64URL.encode(sha256.digest(accessToken.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private VerifiedProof verified(ParsedProof parsed, JWTClaimsSet claims) throws OAuthException {
        if (claims == null) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP proof claims missing");
        }
        checkIssuedAt(claims);
        return new VerifiedProof(parsed.issuer().getValue(), claims.getJWTID());
    }

    /** Checks {@code iat} against the injected clock: at most skew ahead, at most max age plus skew behind. */
    private void checkIssuedAt(JWTClaimsSet claims) throws OAuthException {
        Instant issuedAt = claims.getIssueTime().toInstant();
        Instant now = clock.instant();
        if (issuedAt.isAfter(now.plus(clockSkew))) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF,
                    ProofErrors.futureIat(clockSkew.toSeconds()));
        }
        if (issuedAt.isBefore(now.minus(proofMaxAge).minus(clockSkew))) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF,
                    ProofErrors.oldIat(proofMaxAge.toSeconds(), clockSkew.toSeconds()));
        }
    }

    private record ParsedProof(SignedJWT jwt, DPoPIssuer issuer) {
    }

    /** Parses the proof and checks its header key, whose thumbprint becomes the replay cache's issuer. */
    private static ParsedProof parse(String proof) throws OAuthException {
        SignedJWT jwt = CompactJws.parse(proof, KIND, MAX_PROOF_LENGTH, OAuthErrorCode.INVALID_DPOP_PROOF);
        RegisteredClaims.check(jwt, KIND, OAuthErrorCode.INVALID_DPOP_PROOF);
        ProofClaims.check(jwt);
        JWK key = jwt.getHeader().getJWK();
        if (key == null) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP proof jwk header missing");
        }
        if (key.isPrivate()) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF,
                    "DPoP proof jwk contains private key members (expected: a public key)");
        }
        if (key instanceof RSAKey && key.size() < MIN_RSA_BITS) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP proof RSA key has " + key.size()
                    + " bits (expected: at least " + MIN_RSA_BITS + ")");
        }
        try {
            return new ParsedProof(jwt, new DPoPIssuer(key.computeThumbprint().toString()));
        } catch (RuntimeException e) {
            throw LibraryFailures.rejection(OAuthErrorCode.INVALID_DPOP_PROOF, KIND, e);
        } catch (JOSEException e) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF,
                    "DPoP proof jwk thumbprint could not be computed (expected: a complete public key)");
        }
    }

    /** Returns the advertised algorithm names, for metadata and {@code WWW-Authenticate} {@code algs}. */
    public static Set<String> algorithmNames() {
        Set<String> names = new LinkedHashSet<>();
        ALGORITHMS.forEach(algorithm -> names.add(algorithm.getName()));
        return Collections.unmodifiableSet(names);
    }
}
