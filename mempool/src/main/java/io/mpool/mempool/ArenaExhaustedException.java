package io.mpool.mempool;

/** Thrown by a {@link PageArena} with {@link ExhaustionPolicy#FAIL} when its bound is reached. */
public final class ArenaExhaustedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long requestedBytes;
    private final long maxBytes;

    ArenaExhaustedException(long requestedBytes, long reservedBytes, long maxBytes) {
        super("page arena exhausted: requested=" + requestedBytes + " bytes, reservedBytes="
                + reservedBytes + ", maxBytes=" + maxBytes
                + " (raise the arena limit or lower the load)");
        this.requestedBytes = requestedBytes;
        this.maxBytes = maxBytes;
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
