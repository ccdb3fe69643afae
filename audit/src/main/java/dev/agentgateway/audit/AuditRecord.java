package dev.agentgateway.audit;

import dev.agentgateway.audit.internal.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One record read back from the audit log.
 *
 * @param sequence position in the log, starting at 1 ({@code seq})
 * @param id unique record id ({@code id})
 * @param time time the record was appended, in milliseconds ({@code time})
 * @param event the appended event, carrying {@code type}, {@code request_id} and the optional members
 * @param prev SHA-256 of the previous record's bytes, hex encoded; 64 zeros for the first record
 * @param hash SHA-256 of this record's bytes, hex encoded
 * @param line the record exactly as stored: its canonical JSON without the newline
 */
public record AuditRecord(long sequence, String id, Instant time, AuditEvent event, String prev, String hash,
        String line) {

    public AuditRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(prev, "prev");
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(line, "line");
    }

    /**
     * Creates the record whose stored form is the canonical encoding of these members, as the log writes it.
     *
     * @throws IllegalArgumentException when {@code id} or {@code prev} is malformed or a number is out of range
     */
    public AuditRecord(long sequence, String id, Instant time, AuditEvent event, String prev, String hash) {
        this(sequence, id, time, event, prev, hash, new String(
                RecordCodec.encodeRecord(sequence, id, time, event, prev), StandardCharsets.UTF_8));
    }

    /** Returns the record's stored bytes: the UTF-8 form of {@link #line()}, a new array on each call. */
    public byte[] bytes() {
        return line.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Returns the record's members under their names in the log, in the order they are written. Absent optional
     * members are left out; {@code time} is an RFC 3339 string and numbers are {@link Long}s or {@link Integer}s.
     */
    public Map<String, Object> toMap() {
        return RecordCodec.toMap(this);
    }
}
