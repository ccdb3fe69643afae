package dev.agentgateway.gateway.internal.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentgateway.gateway.internal.http.FormBodyDecoder.MalformedFormException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FormBodyDecoderTest {

    @Test
    void decodesEscapesAndPlus() throws Exception {
        Map<String, List<String>> form = FormBodyDecoder.decode(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&scope=ops.read+ops.write"
                        .getBytes(ISO_8859_1));

        assertThat(form).containsEntry("grant_type", List.of("urn:ietf:params:oauth:grant-type:token-exchange"));
        assertThat(form).containsEntry("scope", List.of("ops.read ops.write"));
    }

    @Test
    void keepsEveryValueOfRepeatedParameter() throws Exception {
        Map<String, List<String>> form = FormBodyDecoder.decode("resource=a&scope=x&resource=b".getBytes(ISO_8859_1));

        assertThat(form.get("resource")).containsExactly("a", "b");
        assertThat(form.get("scope")).containsExactly("x");
    }

    @Test
    void decodesUtf8AndEmptyValues() throws Exception {
        Map<String, List<String>> form = FormBodyDecoder.decode("name=caf%C3%A9&empty=".getBytes(ISO_8859_1));

        assertThat(form.get("name")).containsExactly("café");
        assertThat(form.get("empty")).containsExactly("");
    }

    @Test
    void emptyBodyHasNoParameters() throws Exception {
        assertThat(FormBodyDecoder.decode(new byte[0])).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a=1&&b=2 | has no '='",
        "a=1& | has no '='",
        "flag | has no '='",
        "=value | empty name",
        "a=%zz | invalid percent-escape",
        "a=%4 | invalid percent-escape",
        "a=%C3%28 | not valid UTF-8",
        "a=%FF | not valid UTF-8"})
    void rejectsMalformedBody(String body, String expectedProblem) {
        assertThatThrownBy(() -> FormBodyDecoder.decode(body.getBytes(ISO_8859_1)))
                .isInstanceOf(MalformedFormException.class)
                .hasMessageContaining(expectedProblem);
    }

    @Test
    void rejectsControlBytes() {
        assertThatThrownBy(() -> FormBodyDecoder.decode("a=1\nb=2".getBytes(ISO_8859_1)))
                .isInstanceOf(MalformedFormException.class)
                .hasMessageContaining("0x0A");
    }

    @Test
    void rejectsRawNonAscii() {
        assertThatThrownBy(() -> FormBodyDecoder.decode("a=caf\u00e9".getBytes(ISO_8859_1)))
                .isInstanceOf(MalformedFormException.class)
                .hasMessageContaining("0xE9");
    }
}
