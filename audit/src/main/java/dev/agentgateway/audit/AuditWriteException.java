package dev.agentgateway.audit;

import java.io.IOException;

/** An audit record could not be made durable; the call that needed it must fail closed. */
public final class AuditWriteException extends IOException {

    private static final long serialVersionUID = 1L;

    public AuditWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}
