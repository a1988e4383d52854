package io.mpool.server.framing;

import java.io.IOException;

/** What a handler reading a request body gets when the body's chunked framing is broken. */
public final class MalformedBodyException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient FramingViolation violation;

    public MalformedBodyException(FramingViolation violation) {
        super("malformed request body: " + violation.reason());
        this.violation = violation;
    }

    public FramingViolation violation() {
        return violation;
    }

    /** The MalformedBodyException in {@code failure}'s cause chain, or null. */
    public static MalformedBodyException find(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof MalformedBodyException malformed) {
                return malformed;
            }
        }
        return null;
    }
}
