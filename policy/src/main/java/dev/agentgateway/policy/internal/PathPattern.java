package dev.agentgateway.policy.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A rule's path pattern, matched segment by segment against a normalized path relative to the route prefix.
 * {@code *} matches exactly one non-empty segment, a final {@code **} matches any remainder (including none), and
 * every other segment matches only itself. Matching takes time linear in the path length, because there is no
 * backtracking.
 */
public final class PathPattern {

    private static final String ONE_SEGMENT = "*";
    private static final String REMAINDER = "**";

    private final String source;
    private final List<String> segments;
    private final boolean matchesRemainder;

    private PathPattern(String source, List<String> segments, boolean matchesRemainder) {
        this.source = source;
        this.segments = segments;
        this.matchesRemainder = matchesRemainder;
    }

    /**
     * Compiles {@code pattern}; the empty pattern matches only the empty path (the route root).
     *
     * @throws IllegalArgumentException when a segment is empty, is {@code .} or {@code ..}, mixes {@code *} with
     *     other characters, or when {@code **} is not the last segment
     */
    public static PathPattern compile(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        if (pattern.isEmpty()) {
            return new PathPattern(pattern, List.of(), false);
        }
        String[] parts = pattern.split("/", -1);
        List<String> literalOrWildcard = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            checkSegment(pattern, part, i == parts.length - 1);
            if (REMAINDER.equals(part)) {
                return new PathPattern(pattern, List.copyOf(literalOrWildcard), true);
            }
            literalOrWildcard.add(part);
        }
        return new PathPattern(pattern, List.copyOf(literalOrWildcard), false);
    }

    private static void checkSegment(String pattern, String segment, boolean last) {
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
            throw invalid(pattern, "empty, \".\" or \"..\" segment");
        }
        if (REMAINDER.equals(segment) && !last) {
            throw invalid(pattern, "\"**\" before the last segment");
        }
        if (segment.contains("*") && !segment.equals(ONE_SEGMENT) && !segment.equals(REMAINDER)) {
            throw invalid(pattern, "'*' inside a segment");
        }
    }

    private static IllegalArgumentException invalid(String pattern, String problem) {
        return new IllegalArgumentException("path pattern \"" + pattern + "\" has " + problem
                + " (expected: segments separated by '/', each a literal, '*' or a final '**')");
    }

    /** Returns whether {@code path} (relative, no leading {@code /}) matches; comparison is case-sensitive. */
    public boolean matches(String path) {
        String[] pathSegments = path.isEmpty() ? new String[0] : path.split("/", -1);
        if (pathSegments.length < segments.size()) {
            return false;
        }
        if (!matchesRemainder && pathSegments.length != segments.size()) {
            return false;
        }
        for (int i = 0; i < segments.size(); i++) {
            if (!segmentMatches(segments.get(i), pathSegments[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean segmentMatches(String patternSegment, String pathSegment) {
        if (ONE_SEGMENT.equals(patternSegment)) {
            return !pathSegment.isEmpty();
        }
        return patternSegment.equals(pathSegment);
    }

    /** Returns the pattern as written in the configuration. */
    @Override
    public String toString() {
        return source;
    }
}
