package dev.agentgateway.token;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.Provider;
import java.security.Security;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs the JCA provider that verifies signatures by default in this process: Amazon Corretto Crypto Provider
 * (native AWS-LC) when its native library loads and passes its self-tests, otherwise BouncyCastle. The chosen one
 * goes first in the provider order.
 *
 * <p>A process-wide provider order is the only way to speed up DPoP proof checks, because oauth2-oidc-sdk's DPoP
 * verifiers create their own Nimbus verifiers with no way to pass a provider in. Nimbus verifiers created by the
 * gateway's own processors ({@code at+jwt} capability tokens, trusted identity providers' tokens) and
 * {@code Ed25519} signatures follow the same order.
 *
 * <p>Call {@link #install()} once at start-up, before the first token is verified. Thread-safe.
 */
public final class CryptoProviders {

    private static final Logger LOG = LoggerFactory.getLogger(CryptoProviders.class);

    private static String installed;

    private CryptoProviders() {
    }

    /**
     * Installs the fastest healthy provider at the highest priority, once per process; later calls change nothing
     * and return the same name.
     *
     * @return the installed provider's name, {@code AmazonCorrettoCryptoProvider} or {@code BC}
     */
    public static synchronized String install() {
        if (installed == null) {
            installed = installPreferred();
        }
        return installed;
    }

    private static String installPreferred() {
        String unavailable = correttoUnavailableReason();
        if (unavailable == null) {
            AmazonCorrettoCryptoProvider.install();
            LOG.info("Signatures are verified by {} {} (AWS-LC {}); BouncyCastle is not installed because the native "
                    + "provider loaded and passed its self-tests", AmazonCorrettoCryptoProvider.PROVIDER_NAME,
                    AmazonCorrettoCryptoProvider.INSTANCE.getVersionStr(),
                    AmazonCorrettoCryptoProvider.INSTANCE.getAwsLcVersionStr());
            return AmazonCorrettoCryptoProvider.PROVIDER_NAME;
        }
        Provider bouncyCastle = Security.getProvider(BouncyCastleProvider.PROVIDER_NAME);
        if (bouncyCastle != null) {
            Security.removeProvider(BouncyCastleProvider.PROVIDER_NAME);
        } else {
            bouncyCastle = new BouncyCastleProvider();
        }
        Security.insertProviderAt(bouncyCastle, 1);
        LOG.info("Signatures are verified by BouncyCastle {}; Amazon Corretto Crypto Provider is not used: {}",
                bouncyCastle.getVersionStr(), unavailable);
        return BouncyCastleProvider.PROVIDER_NAME;
    }

    /** Returns why ACCP cannot be used, or {@code null} when it loaded and passed its self-tests. */
    private static String correttoUnavailableReason() {
        Throwable loadingError;
        try {
            loadingError = AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
        } catch (LinkageError e) {
            return "its classes failed to load (" + e + ")";
        }
        if (loadingError != null) {
            return "its native library failed to load (" + loadingError + ")";
        }
        try {
            AmazonCorrettoCryptoProvider.INSTANCE.assertHealthy();
        } catch (RuntimeException e) {
            return "its self-tests failed (" + e.getMessage() + ")";
        }
        return null;
    }
}
