package dev.agentgateway.audit.internal;

/** A log line is not a well-formed audit record; the message describes what is wrong, without the line. */
public final class RecordFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    public RecordFormatException(String problem) {
        super(problem);
    }
}
