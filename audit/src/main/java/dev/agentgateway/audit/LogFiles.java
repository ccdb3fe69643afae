package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.CheckpointFile;
import dev.agentgateway.audit.internal.Segments;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;

/**
 * The files of an audit directory as the verifier and the proof commands read them: segments
 * {@code audit-<first seq, 20 digits>.log} in order, and {@code checkpoints.log}.
 *
 * @param directory the audit directory
 * @param segments segment files sorted by the first {@code seq} in their names
 * @param badNames files that look like segments ({@code audit-*.log}) but whose names do not have that form
 * @param checkpoints {@code checkpoints.log}, whether it exists or not
 * @param legacyLog {@code audit.log} of the earlier single-file format when present, otherwise {@code null}
 */
record LogFiles(Path directory, List<Segments.Segment> segments, List<String> badNames, Path checkpoints, Path legacyLog) {

    /** Name of the checkpoint file. */
    static final String CHECKPOINT_FILE_NAME = CheckpointFile.FILE_NAME;
    /** Name of the log file of the earlier single-file format. */
    static final String LEGACY_FILE_NAME = Segments.LEGACY_FILE_NAME;

    /**
     * Checks that {@code directory} exists and is a directory.
     *
     * @throws NoSuchFileException when {@code directory} does not exist
     * @throws NotDirectoryException when it is not a directory
     */
    static void requireDirectory(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "audit directory not found");
        }
        if (!Files.isDirectory(directory)) {
            throw new NotDirectoryException(directory.toString());
        }
    }

    /**
     * Lists the files of {@code directory}. A reader that also reads {@code checkpoints.log} reads it before this
     * listing, so that every checkpoint it read covers only records in segments the listing contains: a writer
     * creates a segment before it signs a checkpoint that covers the segment's records.
     *
     * @throws NoSuchFileException when {@code directory} does not exist
     * @throws NotDirectoryException when it is not a directory
     */
    static LogFiles list(Path directory) throws IOException {
        requireDirectory(directory);
        Segments.Listing listing = Segments.listing(directory);
        Path legacy = directory.resolve(LEGACY_FILE_NAME);
        return new LogFiles(directory, listing.segments(), listing.misnamed(),
                directory.resolve(CHECKPOINT_FILE_NAME), Files.exists(legacy) ? legacy : null);
    }

    /** Returns the segment file name for a segment whose first record has {@code seq} {@code sequence}. */
    static String segmentName(long sequence) {
        return Segments.fileName(sequence);
    }
}
