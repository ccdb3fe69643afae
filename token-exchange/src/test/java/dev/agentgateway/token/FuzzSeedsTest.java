package dev.agentgateway.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * Checks that the fuzz targets reach success with their valid seeds and reject a hostile one, so a change that
 * breaks a placeholder or the fixture cannot leave the fuzz tests passing only because everything is rejected.
 */
class FuzzSeedsTest {

    @Test
    void authenticatorValidSeed() throws Exception {
        assertThat(AuthenticatorFuzzTest.authenticated(seed("AuthenticatorFuzzTest", "authenticate", "valid")))
                .isTrue();
    }

    @Test
    void authenticatorBearerSeed() throws Exception {
        assertThat(AuthenticatorFuzzTest.authenticated(seed("AuthenticatorFuzzTest", "authenticate",
                "bearer-scheme"))).isFalse();
    }

    @Test
    void exchangeValidSeeds() throws Exception {
        assertThat(TokenExchangeFuzzTest.exchanged(seed("TokenExchangeFuzzTest", "exchange", "valid"))).isTrue();
        assertThat(TokenExchangeFuzzTest.exchanged(seed("TokenExchangeFuzzTest", "exchange", "valid-resource")))
                .isTrue();
    }

    @Test
    void exchangeAlgNoneSeed() throws Exception {
        assertThat(TokenExchangeFuzzTest.exchanged(seed("TokenExchangeFuzzTest", "exchange", "subject-alg-none")))
                .isFalse();
    }

    @Test
    void resourceProofValidSeed() throws Exception {
        assertThat(ProofFuzzTest.resourceProofAccepted(seed("ProofFuzzTest", "resourceRequest", "valid"))).isTrue();
    }

    @Test
    void resourceProofOtherKeySeed() throws Exception {
        assertThat(ProofFuzzTest.resourceProofAccepted(seed("ProofFuzzTest", "resourceRequest",
                "other-key-binding"))).isFalse();
    }

    private static byte[] seed(String testClass, String method, String name) throws IOException {
        String resource = testClass + "Inputs/" + method + "/" + name;
        try (InputStream in = FuzzSeedsTest.class.getResourceAsStream(resource)) {
            assertThat(in).as("seed %s", resource).isNotNull();
            return in.readAllBytes();
        }
    }
}
