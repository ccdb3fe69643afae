package dev.agentgateway.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
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
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
    /** JWK members that contain private or secret key material (RFC 7518 §6.2.2, §6.3.2 and §6.4.1). */
    private static final List<String> PRIVATE_KEY_MEMBERS = List.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

    private final Duration proofMaxAge;
    private final Duration clockSkew;
    private final ReplayCache replayCache;
    private final Clock clock;

    /**
     * @param proofMaxAge how far in the past a proof's {@code iat} may lie, before skew
     * @param clockSkew tolerance applied to {@code iat} in both directions
     * @param replayCache single-use store for proof {@code jti}s, consulted only after the signature is verified
     * @param clock time source for {@code iat} checks
     */
    public DPoPProofVerifier(Duration proofMaxAge, Duration clockSkew, ReplayCache replayCache, Clock clock) {
        this.proofMaxAge = Objects.requireNonNull(proofMaxAge, "proofMaxAge");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
        this.replayCache = Objects.requireNonNull(replayCache, "replayCache");
        this.clock = Objects.requireNonNull(clock, "clock");
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

    /**
     * A verified proof.
     *
     * @param keyThumbprint RFC 7638 thumbprint of the proof key
     * @param proofId the proof's {@code jti}
     * @param dpopNonce a fresh nonce for the response's {@code DPoP-Nonce} header, or {@code null} when none is due
     *     because the endpoint does not use nonces or the proof's nonce is from the current slot
     */
    public record VerifiedProof(String keyThumbprint, String proofId, String dpopNonce) {
    }

    /**
     * Verifies a proof sent to the token endpoint ({@code htm} POST, {@code htu} the endpoint) without nonces.
     *
     * @throws OAuthException {@code invalid_dpop_proof} when any check fails
     */
    public VerifiedProof verifyTokenRequest(String proof, URI endpointUri) throws OAuthException {
        return verifyTokenRequest(proof, endpointUri, NonceRequirement.NONE);
    }

    /**
     * Verifies a proof sent to the token endpoint ({@code htm} POST, {@code htu} the endpoint).
     *
     * @param nonces the token endpoint's nonce requirement
     * @throws OAuthException {@code use_dpop_nonce} when the nonce requirement is not met, {@code invalid_dpop_proof}
     *     when any other check fails, {@code temporarily_unavailable} when the replay cache cannot be reached
     */
    public VerifiedProof verifyTokenRequest(String proof, URI endpointUri, NonceRequirement nonces)
            throws OAuthException {
        ParsedProof parsed = parse(proof);
        ProofTarget target = ProofTarget.of("POST", endpointUri);
        NonceRequirement.Decision nonce = nonces.decide(parsed.nonce());
        DPoPTokenRequestVerifier verifier = new DPoPTokenRequestVerifier(new LinkedHashSet<>(ALGORITHMS),
                target.uri(), clockSkew.toSeconds(), sdkMaxAgeSeconds(), replayCache.checkerFor(parsed.sdkView()));
        AtomicReference<JWTClaimsSet> claims = new AtomicReference<>();
        try {
            verifier.verify(parsed.issuer(), parsed.sdkView(), nonce.acceptedNonces(),
                    context -> claims.set(context.getJWTClaimsSet()));
        } catch (ReplayCacheUnavailableException e) {
            throw replayCheckUnavailable(e);
        } catch (RuntimeException e) {
            throw LibraryFailures.rejection(OAuthErrorCode.INVALID_DPOP_PROOF, KIND, e);
        } catch (InvalidDPoPProofException e) {
            throw proofFailure(e, nonce, expected(target));
        } catch (JOSEException e) {
            throw signatureCheckFailed();
        }
        return verified(parsed, claims.get(), nonce);
    }

    /**
     * Verifies a proof sent with a capability token to a protected resource, without nonces.
     *
     * @see #verifyResourceRequest(String, String, URI, String, String, NonceRequirement)
     */
    public VerifiedProof verifyResourceRequest(String proof, String method, URI requestUri, String accessToken,
            String keyThumbprint) throws OAuthException {
        return verifyResourceRequest(proof, method, requestUri, accessToken, keyThumbprint, NonceRequirement.NONE);
    }

    /**
     * Verifies a proof sent with a capability token to a protected resource.
     *
     * @param method request method as received, compared with {@code htm} exactly (case-sensitive)
     * @param requestUri request URI; it and {@code htu} are compared after RFC 3986 normalization, without query
     *     and fragment
     * @param accessToken the capability token, whose hash the proof's {@code ath} must be
     * @param keyThumbprint the token's {@code cnf.jkt}
     * @param nonces the route's nonce requirement
     * @throws OAuthException {@code use_dpop_nonce} when the nonce requirement is not met, {@code invalid_dpop_proof}
     *     when the proof fails another check, {@code invalid_token} when the proof is valid but its key is not the
     *     one the token is bound to, {@code temporarily_unavailable} when the replay cache cannot be reached
     */
    public VerifiedProof verifyResourceRequest(String proof, String method, URI requestUri, String accessToken,
            String keyThumbprint, NonceRequirement nonces) throws OAuthException {
        ParsedProof parsed = parse(proof);
        ProofTarget target = ProofTarget.of(method, requestUri);
        NonceRequirement.Decision nonce = nonces.decide(parsed.nonce());
        // A verifier per call, because its replay check reads this proof's iat.
        DPoPProtectedResourceRequestVerifier resourceVerifier = new DPoPProtectedResourceRequestVerifier(
                new LinkedHashSet<>(ALGORITHMS), clockSkew.toSeconds(), sdkMaxAgeSeconds(),
                replayCache.checkerFor(parsed.sdkView()));
        AtomicReference<DPoPProofContext> context = new AtomicReference<>();
        try {
            resourceVerifier.verify(method, target.uri(), parsed.issuer(), parsed.sdkView(),
                    new DPoPAccessToken(accessToken), new JWKThumbprintConfirmation(new Base64URL(keyThumbprint)),
                    nonce.acceptedNonces(), context::set);
        } catch (ReplayCacheUnavailableException e) {
            throw replayCheckUnavailable(e);
        } catch (RuntimeException e) {
            throw LibraryFailures.rejection(OAuthErrorCode.INVALID_DPOP_PROOF, KIND, e);
        } catch (InvalidDPoPProofException e) {
            throw proofFailure(e, nonce, expected(target));
        } catch (AccessTokenValidationException e) {
            throw bindingFailure(context.get(), accessToken, keyThumbprint, parsed);
        } catch (JOSEException e) {
            throw signatureCheckFailed();
        }
        DPoPProofContext verifiedContext = context.get();
        return verified(parsed, verifiedContext == null ? null : verifiedContext.getJWTClaimsSet(), nonce);
    }

    /**
     * Maps a rejection by the SDK. A proof whose only fault is its nonce gets {@code use_dpop_nonce}. The SDK checks
     * the nonce after the signature, {@code htm}, {@code htu} and {@code iat}, and before it records the
     * {@code jti}, so such a proof is not consumed. The client's retry is a new proof with a new {@code jti} anyway.
     */
    private static OAuthException proofFailure(InvalidDPoPProofException error, NonceRequirement.Decision nonce,
            ProofErrors.Expected expected) {
        if (nonce.rejection() != null && ProofErrors.isNonceOnly(error)) {
            return nonce.rejection();
        }
        return new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, ProofErrors.describe(error, expected));
    }

    private ProofErrors.Expected expected(ProofTarget target) {
        return new ProofErrors.Expected(target.method(), target.uri(), proofMaxAge.toSeconds(), clockSkew.toSeconds());
    }

    /**
     * The request a proof must be for: its method and its URI in the normalized form of {@link HttpUriNormalizer}.
     */
    private record ProofTarget(String method, URI uri) {

        /**
         * Normalizes the URI the gateway built from its public origin and the request path.
         *
         * @throws OAuthException {@code invalid_request} when the URI cannot be normalized
         */
        static ProofTarget of(String method, URI requestUri) throws OAuthException {
            String normalized = HttpUriNormalizer.normalize(requestUri.toASCIIString());
            try {
                if (normalized != null) {
                    return new ProofTarget(method, new URI(normalized));
                }
            } catch (URISyntaxException e) {
                // Reported below like any other URI that cannot be normalized.
            }
            throw new OAuthException(OAuthErrorCode.INVALID_REQUEST, "request URI cannot be compared with a DPoP"
                    + " proof htu (expected: an absolute http or https URI)");
        }
    }

    /** Returns the rejection of a proof whose replay check could not be made, which never counts as "not seen". */
    private static OAuthException replayCheckUnavailable(ReplayCacheUnavailableException e) {
        return new OAuthException(OAuthErrorCode.TEMPORARILY_UNAVAILABLE,
                "DPoP proof could not be checked for replay because the replay cache is unavailable (expected: a"
                        + " retry with a new proof later)", e);
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

    private VerifiedProof verified(ParsedProof parsed, JWTClaimsSet claims, NonceRequirement.Decision nonce)
            throws OAuthException {
        if (claims == null) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP proof claims missing");
        }
        if (nonce.rejection() != null) {
            // The SDK's nonce check rules this out. Should it accept such a proof anyway, the request fails closed.
            throw nonce.rejection();
        }
        checkIssuedAt(claims);
        return new VerifiedProof(parsed.issuer().getValue(), claims.getJWTID(), nonce.responseNonce());
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

    /**
     * A parsed proof.
     *
     * @param sdkView the proof with its {@code htu} normalized, as handed to the SDK
     * @param issuer thumbprint of the header key, the replay cache's issuer
     * @param nonce the {@code nonce} claim, or {@code null}
     */
    private record ParsedProof(SignedJWT sdkView, DPoPIssuer issuer, String nonce) {
    }

    /** Parses the proof and checks its header key, whose thumbprint becomes the replay cache's issuer. */
    private static ParsedProof parse(String proof) throws OAuthException {
        SignedJWT jwt = CompactJws.parse(proof, KIND, MAX_PROOF_LENGTH, OAuthErrorCode.INVALID_DPOP_PROOF);
        RegisteredClaims.check(jwt, KIND, OAuthErrorCode.INVALID_DPOP_PROOF);
        ProofClaims.check(jwt);
        SignedJWT sdkView = normalizedView(jwt);
        JWK key = jwt.getHeader().getJWK();
        if (key == null) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP proof jwk header missing");
        }
        checkPublicMembers(jwt);
        if (key.isPrivate()) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF,
                    "DPoP proof jwk contains private key members (expected: a public key)");
        }
        if (key instanceof RSAKey && key.size() < MIN_RSA_BITS) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP proof RSA key has " + key.size()
                    + " bits (expected: at least " + MIN_RSA_BITS + ")");
        }
        try {
            return new ParsedProof(sdkView, new DPoPIssuer(key.computeThumbprint().toString()),
                    ProofClaims.nonce(jwt));
        } catch (RuntimeException e) {
            throw LibraryFailures.rejection(OAuthErrorCode.INVALID_DPOP_PROOF, KIND, e);
        } catch (JOSEException e) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF,
                    "DPoP proof jwk thumbprint could not be computed (expected: a complete public key)");
        }
    }

    /**
     * Rejects a header {@code jwk} that contains any private or secret member name, whatever its {@code kty}. Nimbus
     * drops members that do not belong to the key type, so an EC key with a {@code k} would otherwise pass as a
     * public key. Only the member name is reported, never its value.
     */
    private static void checkPublicMembers(SignedJWT jwt) throws OAuthException {
        Map<String, Object> header;
        try {
            header = JSONObjectUtils.parse(jwt.getHeader().getParsedBase64URL().decodeToString());
        } catch (ParseException e) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, KIND + " rejected: header is not a JSON"
                    + " object");
        }
        if (!(header.get("jwk") instanceof Map<?, ?> jwk)) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP proof jwk header is not a JSON object");
        }
        for (String member : PRIVATE_KEY_MEMBERS) {
            if (jwk.containsKey(member)) {
                throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, "DPoP proof jwk contains the private key"
                        + " member " + Quoting.quote(member) + " (expected: a public key)");
            }
        }
    }

    private static SignedJWT normalizedView(SignedJWT jwt) throws OAuthException {
        String htu = ProofClaims.htu(jwt);
        String normalized = HttpUriNormalizer.normalize(htu);
        if (normalized == null) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, KIND + " rejected: htu " + Quoting.quote(htu)
                    + " is not a valid http(s) URI (expected: the request URI as defined in RFC 3986)");
        }
        if (normalized.equals(htu)) {
            return jwt;
        }
        try {
            return new NormalizedHtuProof(jwt, normalized);
        } catch (ParseException e) {
            throw new OAuthException(OAuthErrorCode.INVALID_DPOP_PROOF, KIND + " rejected: not a valid signed JWT");
        }
    }

    /** Returns the advertised algorithm names, for metadata and {@code WWW-Authenticate} {@code algs}. */
    public static Set<String> algorithmNames() {
        Set<String> names = new LinkedHashSet<>();
        ALGORITHMS.forEach(algorithm -> names.add(algorithm.getName()));
        return Collections.unmodifiableSet(names);
    }
}
