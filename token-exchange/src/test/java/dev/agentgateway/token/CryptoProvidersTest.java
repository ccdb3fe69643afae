package dev.agentgateway.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Installing the process-wide JCA provider. The build runs on Linux x86-64, where ACCP's native library loads, so
 * ACCP is expected. On another platform BouncyCastle would be chosen and {@code correttoChosenHere} would fail.
 */
class CryptoProvidersTest {

    private static final byte[] MESSAGE = "header.payload".getBytes(StandardCharsets.US_ASCII);

    static String installed;

    @BeforeAll
    static void install() {
        installed = CryptoProviders.install();
    }

    @Test
    void correttoChosenHere() {
        assertThat(AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError()).as("ACCP native library").isNull();
        assertThat(installed).isEqualTo(AmazonCorrettoCryptoProvider.PROVIDER_NAME);
        assertThat(Security.getProviders()[0].getName()).isEqualTo(AmazonCorrettoCryptoProvider.PROVIDER_NAME);
    }

    @Test
    void installIsIdempotent() {
        int providers = Security.getProviders().length;

        assertThat(CryptoProviders.install()).isEqualTo(installed);
        assertThat(CryptoProviders.install()).isEqualTo(installed);
        assertThat(Security.getProviders()).hasSize(providers);
        assertThat(Security.getProviders()[0].getName()).isEqualTo(installed);
    }

    @Test
    void signatureServicesComeFromIt() throws Exception {
        assertThat(Signature.getInstance("SHA256withECDSA").getProvider().getName()).isEqualTo(installed);
        assertThat(Signature.getInstance("Ed25519").getProvider().getName()).isEqualTo(installed);
    }

    /** Signs with the JDK's SunEC provider and verifies through Nimbus, which now gets the installed provider. */
    @Test
    void jdkSignatureVerifies() throws Exception {
        KeyPair pair = sunEcKeyPair();
        ECDSASigner signer = new ECDSASigner((ECPrivateKey) pair.getPrivate());
        signer.getJCAContext().setProvider(Security.getProvider("SunEC"));
        Base64URL signature = signer.sign(new JWSHeader(JWSAlgorithm.ES256), MESSAGE);

        ECDSAVerifier verifier = new ECDSAVerifier((ECPublicKey) pair.getPublic());

        assertThat(verifier.verify(new JWSHeader(JWSAlgorithm.ES256), MESSAGE, signature)).isTrue();
        assertThat(verifier.getJCAContext().getProvider()).as("provider set on the verifier").isNull();
        assertThat(Signature.getInstance("SHA256withECDSA").getProvider().getName()).isEqualTo(installed);
    }

    @Test
    void tamperedJdkSignatureFails() throws Exception {
        KeyPair pair = sunEcKeyPair();
        ECDSASigner signer = new ECDSASigner((ECPrivateKey) pair.getPrivate());
        signer.getJCAContext().setProvider(Security.getProvider("SunEC"));
        byte[] signature = signer.sign(new JWSHeader(JWSAlgorithm.ES256), MESSAGE).decode();
        ECDSAVerifier verifier = new ECDSAVerifier((ECPublicKey) pair.getPublic());

        byte[] tamperedMessage = MESSAGE.clone();
        tamperedMessage[3] ^= 1;
        assertThat(verifier.verify(new JWSHeader(JWSAlgorithm.ES256), tamperedMessage, Base64URL.encode(signature)))
                .isFalse();
        for (int index : new int[] {0, 31, 32, 63}) {
            byte[] tampered = signature.clone();
            tampered[index] ^= 0x01;
            assertThat(verifier.verify(new JWSHeader(JWSAlgorithm.ES256), MESSAGE, Base64URL.encode(tampered)))
                    .as("byte %d", index).isFalse();
        }
    }

    /** The installed provider verifies when named explicitly too, not only as the default. */
    @Test
    void providerVerifiesJdkSignature() throws Exception {
        KeyPair pair = sunEcKeyPair();
        Signature sign = Signature.getInstance("SHA256withECDSA", "SunEC");
        sign.initSign(pair.getPrivate());
        sign.update(MESSAGE);
        byte[] der = sign.sign();

        Provider provider = Security.getProvider(installed);
        Signature verify = Signature.getInstance("SHA256withECDSA", provider);
        verify.initVerify(pair.getPublic());
        verify.update(MESSAGE);
        assertThat(verify.verify(der)).isTrue();

        verify.initVerify(new ECKeyGenerator(Curve.P_256).generate().toECPublicKey());
        verify.update(MESSAGE);
        assertThat(verify.verify(der)).isFalse();
    }

    private static KeyPair sunEcKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", "SunEC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }
}
