package io.mpool.mempool;

/**
 * Thrown by a {@link PageArena} with {@link ExhaustionPolicy#FAIL} when its bound is reached. The
 * message names the request, what is reserved and the bound; callers only count and log it.
 */
public final class ArenaExhaustedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ArenaExhaustedException(long requestedBytes, long reservedBytes, long maxBytes) {
        super("page arena exhausted: requested=" + requestedBytes + " bytes, reservedBytes="
                + reservedBytes + ", maxBytes=" + maxBytes
                + " (raise the arena limit or lower the load)");
    }
}
