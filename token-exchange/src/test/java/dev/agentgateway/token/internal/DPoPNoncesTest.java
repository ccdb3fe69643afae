package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentgateway.config.DPoPNonceMode;
import dev.agentgateway.config.NonceConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DPoPNoncesTest {

    static final Duration LIFETIME = Duration.ofSeconds(60);
    /** The start of slot 29,000,000 of 60 s. */
    static final Instant SLOT_START = Instant.ofEpochSecond(29_000_000L * 60);
    static final byte[] SECRET = "first-nonce-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    static final byte[] OTHER_SECRET = "second-nonce-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    static DPoPNonces nonces(Instant now, byte[]... secrets) {
        return new DPoPNonces(List.of(secrets), LIFETIME, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void nonceEncodesSlotAndMac() {
        String nonce = nonces(SLOT_START.plusSeconds(59), SECRET).current();

        byte[] raw = Base64.getUrlDecoder().decode(nonce);
        assertThat(nonce).hasSize(DPoPNonces.NONCE_LENGTH).matches("[A-Za-z0-9_-]+");
        assertThat(raw).hasSize(Long.BYTES + DPoPNonces.MAC_LENGTH);
        assertThat(ByteBuffer.wrap(raw).getLong()).isEqualTo(29_000_000L);
    }

    @Test
    void sameSlotSameNonce() {
        assertThat(nonces(SLOT_START, SECRET).current())
                .isEqualTo(nonces(SLOT_START.plusSeconds(59), SECRET).current());
        assertThat(nonces(SLOT_START, SECRET).current()).isNotEqualTo(nonces(SLOT_START.plusSeconds(60), SECRET)
                .current());
        assertThat(nonces(SLOT_START, SECRET).current()).isNotEqualTo(nonces(SLOT_START, OTHER_SECRET).current());
    }

    @Test
    void verdictFollowsSlot() {
        String nonce = nonces(SLOT_START, SECRET).current();

        assertThat(nonces(SLOT_START.plusSeconds(59), SECRET).check(nonce)).isEqualTo(DPoPNonces.Verdict.CURRENT);
        assertThat(nonces(SLOT_START.plusSeconds(60), SECRET).check(nonce)).isEqualTo(DPoPNonces.Verdict.PREVIOUS);
        assertThat(nonces(SLOT_START.plusSeconds(119), SECRET).check(nonce)).isEqualTo(DPoPNonces.Verdict.PREVIOUS);
        assertThat(nonces(SLOT_START.plusSeconds(120), SECRET).check(nonce)).isEqualTo(DPoPNonces.Verdict.STALE);
        assertThat(nonces(SLOT_START.minusMillis(1), SECRET).check(nonce)).isEqualTo(DPoPNonces.Verdict.STALE);
    }

    @Test
    void everySecretVerifiesFirstSigns() {
        DPoPNonces rotated = nonces(SLOT_START, OTHER_SECRET, SECRET);

        assertThat(rotated.check(nonces(SLOT_START, SECRET).current())).isEqualTo(DPoPNonces.Verdict.CURRENT);
        assertThat(rotated.current()).isEqualTo(nonces(SLOT_START, OTHER_SECRET).current());
        assertThat(nonces(SLOT_START, SECRET).check(rotated.current())).isEqualTo(DPoPNonces.Verdict.INVALID);
    }

    @Test
    void forgedSlotOrMacInvalid() {
        String nonce = nonces(SLOT_START, SECRET).current();
        byte[] raw = Base64.getUrlDecoder().decode(nonce);
        byte[] otherSlot = raw.clone();
        otherSlot[7] ^= 1;
        byte[] otherMac = raw.clone();
        otherMac[raw.length - 1] ^= 1;
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        DPoPNonces checker = nonces(SLOT_START, SECRET);

        assertThat(checker.check(encoder.encodeToString(otherSlot))).isEqualTo(DPoPNonces.Verdict.INVALID);
        assertThat(checker.check(encoder.encodeToString(otherMac))).isEqualTo(DPoPNonces.Verdict.INVALID);
        assertThat(checker.check(nonce.toLowerCase())).isEqualTo(DPoPNonces.Verdict.INVALID);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "A", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+/", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\u0000",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\u00e9", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "////////////////////////////////"})
    void malformedNonceInvalid(String nonce) {
        assertThat(nonces(SLOT_START, SECRET).check(nonce)).isEqualTo(DPoPNonces.Verdict.INVALID);
    }

    @Test
    void nullAndHugeInvalid() {
        DPoPNonces checker = nonces(SLOT_START, SECRET);

        assertThat(checker.check(null)).isEqualTo(DPoPNonces.Verdict.INVALID);
        assertThat(checker.check("A".repeat(10_000_000))).isEqualTo(DPoPNonces.Verdict.INVALID);
    }

    @Test
    void processSecretSharedWithinProcess() {
        Clock clock = Clock.fixed(SLOT_START, ZoneOffset.UTC);
        NonceConfig config = new NonceConfig(DPoPNonceMode.REQUIRED, LIFETIME, List.of());

        DPoPNonces first = DPoPNonces.create(config, clock);
        DPoPNonces second = DPoPNonces.create(config, clock);

        assertThat(second.check(first.current())).isEqualTo(DPoPNonces.Verdict.CURRENT);
        assertThat(nonces(SLOT_START, SECRET).check(first.current())).isEqualTo(DPoPNonces.Verdict.INVALID);
    }

    @Test
    void configuredSecretsUsedAsUtf8() {
        Clock clock = Clock.fixed(SLOT_START, ZoneOffset.UTC);
        NonceConfig config = new NonceConfig(DPoPNonceMode.REQUIRED, LIFETIME,
                List.of(new String(SECRET, StandardCharsets.UTF_8)));

        assertThat(DPoPNonces.create(config, clock).current()).isEqualTo(nonces(SLOT_START, SECRET).current());
    }

    @Test
    void emptySecretsRejected() {
        assertThatThrownBy(() -> new DPoPNonces(List.of(), LIFETIME, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
