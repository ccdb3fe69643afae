package dev.agentgateway.audit;

import java.util.Objects;

/**
 * A record that is durable on disk.
 *
 * @param sequence position in the log, starting at 1
 * @param id unique record id, sent to backends as the Txn-Token {@code txn}
 * @param hash SHA-256 of the record's line, hex encoded; the next record's {@code prev}
 */
public record AppendedRecord(long sequence, String id, String hash) {

    public AppendedRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(hash, "hash");
    }
}
