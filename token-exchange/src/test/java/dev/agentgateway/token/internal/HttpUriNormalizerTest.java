package dev.agentgateway.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpUriNormalizerTest {

    static Stream<Arguments> normalizations() {
        return Stream.of(
                arguments("http://example.com/a/b", "http://example.com/a/b"),
                arguments("HTTP://Example.COM/a/b", "http://example.com/a/b"),
                arguments("http://example.com:80/a", "http://example.com/a"),
                arguments("https://example.com:443/a", "https://example.com/a"),
                arguments("https://example.com:80/a", "https://example.com:80/a"),
                arguments("http://example.com:443/a", "http://example.com:443/a"),
                arguments("http://example.com:/a", "http://example.com/a"),
                arguments("http://example.com:08080/a", "http://example.com:8080/a"),
                arguments("http://example.com", "http://example.com/"),
                arguments("http://example.com?q", "http://example.com/"),
                arguments("http://example.com/a?q=1#f", "http://example.com/a"),
                arguments("http://example.com/a#f?q", "http://example.com/a"),
                arguments("http://example.com/a/./b/../c", "http://example.com/a/c"),
                arguments("http://example.com/../../a", "http://example.com/a"),
                arguments("http://example.com/a/..", "http://example.com/"),
                arguments("http://example.com/a/.", "http://example.com/a/"),
                arguments("http://example.com/%7euser/%41%2d%5F", "http://example.com/~user/A-_"),
                arguments("http://example.com/a%2fb%3f", "http://example.com/a%2Fb%3F"),
                arguments("http://example.com/%2E%2E/a", "http://example.com/a"),
                arguments("http://example.com/A", "http://example.com/A"),
                arguments("http://EX%41MPLE.com/", "http://example.com/"),
                arguments("http://[::FFFF:7F00:1]:8080/a", "http://[::ffff:7f00:1]:8080/a"),
                arguments("http://User@Example.com/a", "http://User@example.com/a"),
                arguments("http://example.com/a;b=c/d", "http://example.com/a;b=c/d"),
                arguments("ftp://example.com:21/a", "ftp://example.com:21/a"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("normalizations")
    void normalizes(String uri, String normalized) {
        assertThat(HttpUriNormalizer.normalize(uri)).isEqualTo(normalized);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/a", "example.com/a", "http:/a", "http:a", "1http://a/", "http:///a", "http://a b/",
        "http://a/%", "http://a/%4", "http://a/%zz", "http://a/\u00e9", "http://a/\u0000", "http://a/<x>",
        "http://a/\\b", "http://a:99999/", "http://a:123456/", "http://a:-1/", "http://a:8x/", "http://a:1:2/",
        "http://[::1/", "http://[::1]x/", "http://[xyz]/", "http://[]/", "http://a]/", "http://u@v@a/",
        "http://u[@a/", "http://:80/", "http://a/\"", "http://a/{}"})
    void unparseable(String uri) {
        assertThat(HttpUriNormalizer.normalize(uri)).isNull();
    }

    @ParameterizedTest
    @CsvSource({"/a/b/c/./../../g,/a/g", "mid/content=5/../6,mid/6", "/./a,/a", "/a/b/..,/a/", "../a,a", ".,''",
        "/..,/", "/a//b/../c,/a//c"})
    void removesDotSegments(String path, String expected) {
        assertThat(HttpUriNormalizer.removeDotSegments(path)).isEqualTo(expected);
    }
}
