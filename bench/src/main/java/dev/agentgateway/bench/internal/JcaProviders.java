package dev.agentgateway.bench.internal;

import dev.agentgateway.token.CryptoProviders;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;

/** Installs the JCA providers the gateway installs at start, and names them. */
public final class JcaProviders {

    private JcaProviders() {
    }

    /**
     * Calls {@link CryptoProviders#install()}, as the gateway does when it starts.
     *
     * @return which provider serves each signature algorithm the benchmarks use, for the benchmark output
     */
    public static String install() {
        CryptoProviders.install();
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
