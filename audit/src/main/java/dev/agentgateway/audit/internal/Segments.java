package dev.agentgateway.audit.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Names and lists the segment files of an audit directory: {@code audit-<first seq, 20 digits>.log}, each holding
 * consecutive records starting at the seq in its name.
 */
public final class Segments {

    /** Name of the single log file of the earlier format, which this format does not read. */
    public static final String LEGACY_FILE_NAME = "audit.log";

    private static final String PREFIX = "audit-";
    private static final String SUFFIX = ".log";
    private static final int DIGITS = 20;

    private Segments() {
    }

    /** One segment file and the seq of its first record. */
    public record Segment(Path path, long firstSequence) {

        public String fileName() {
            return path.getFileName().toString();
        }
    }

    /** Returns the file name of the segment starting at {@code firstSequence}. */
    public static String fileName(long firstSequence) {
        String digits = Long.toString(firstSequence);
        return PREFIX + "0".repeat(DIGITS - digits.length()) + digits + SUFFIX;
    }

    /** Returns the segment in {@code directory} that starts at {@code firstSequence}. */
    public static Segment segment(Path directory, long firstSequence) {
        return new Segment(directory.resolve(fileName(firstSequence)), firstSequence);
    }

    /**
     * Returns the first seq named by a segment file name, or -1 when {@code fileName} is not one. The seq must be
     * at least 1.
     */
    public static long firstSequence(String fileName) {
        if (fileName.length() != PREFIX.length() + DIGITS + SUFFIX.length()
                || !fileName.startsWith(PREFIX) || !fileName.endsWith(SUFFIX)) {
            return -1;
        }
        long value = 0;
        for (int i = PREFIX.length(); i < PREFIX.length() + DIGITS; i++) {
            char c = fileName.charAt(i);
            if (c < '0' || c > '9' || value > (Long.MAX_VALUE - 9) / 10) {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value >= 1 ? value : -1;
    }

    /**
     * The files of a directory named like segments.
     *
     * @param segments the segments, ordered by first seq
     * @param misnamed names that start with {@code audit-} and end with {@code .log} but do not carry a valid first
     *     seq in 20 digits, sorted
     */
    public record Listing(List<Segment> segments, List<String> misnamed) {
    }

    /** Returns the segments in {@code directory}, ordered by first seq. Other files are left out. */
    public static List<Segment> list(Path directory) throws IOException {
        return listing(directory).segments();
    }

    /** Returns the segments in {@code directory} and the other files named like segments. */
    public static Listing listing(Path directory) throws IOException {
        List<Segment> segments = new ArrayList<>();
        List<String> misnamed = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                long first = firstSequence(name);
                if (first > 0) {
                    segments.add(new Segment(entry, first));
                } else {
                    misnamed.add(name);
                }
            }
        }
        segments.sort(Comparator.comparingLong(Segment::firstSequence));
        misnamed.sort(null);
        return new Listing(List.copyOf(segments), List.copyOf(misnamed));
    }

    /**
     * Rejects a directory that contains the single log file of the earlier format.
     *
     * @throws IOException naming the file and what to do with it
     */
    public static void rejectLegacyLog(Path directory) throws IOException {
        Path legacy = directory.resolve(LEGACY_FILE_NAME);
        if (Files.exists(legacy)) {
            throw new IOException("audit directory " + directory + " contains " + LEGACY_FILE_NAME
                    + ", a log in the earlier single-file format, which this release does not read or continue."
                    + " Move it out of the directory (verify it first with the release that wrote it)");
        }
    }
}
