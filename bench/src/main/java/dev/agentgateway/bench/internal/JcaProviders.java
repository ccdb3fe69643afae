package dev.agentgateway.bench.internal;

import java.lang.reflect.InvocationTargetException;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;

/** Installs the JCA providers that token-exchange sets up, when this build has that setup, and names them. */
public final class JcaProviders {

    private static final String GATEWAY_PROVIDERS = "dev.agentgateway.token.CryptoProviders";

    private JcaProviders() {
    }

    /**
     * Calls {@code CryptoProviders.install()} of token-exchange when this build has that class, and otherwise
     * leaves the JDK's providers in place.
     *
     * @return which provider serves each signature algorithm the benchmarks use, for the benchmark output
     */
    public static String install() {
        // TODO: call CryptoProviders.install() directly once token-exchange has it, and drop the reflection.
        try {
            Class.forName(GATEWAY_PROVIDERS).getMethod("install").invoke(null);
        } catch (ClassNotFoundException e) {
            // This build of token-exchange has no provider setup, so the benchmarks use the JDK's providers.
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(GATEWAY_PROVIDERS + ".install() failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(GATEWAY_PROVIDERS + ".install() cannot be called (expected: a public "
                    + "static method without parameters): " + e, e);
        }
        return "SHA256withECDSA from " + provider("SHA256withECDSA") + ", Ed25519 from " + provider("Ed25519");
    }

    private static String provider(String algorithm) {
        try {
            return Signature.getInstance(algorithm).getProvider().getName();
        } catch (NoSuchAlgorithmException e) {
            return "no provider";
        }
    }
}
