package io.mpool.server.connection;

/**
 * One reset of a connection's pool, as the admin endpoint shows it.
 *
 * @param atEpochMillis    when it ran
 * @param bytesInUseBefore bytes the pool had handed out since the previous reset
 * @param nodes            nodes the pool kept
 * @param largeFreed       large blocks given back to the arena
 * @param deferredMicros   time from the end of the request to the reset (0: ran at once)
 * @param requestsCovered  request ends this reset stood for (more than 1: coalesced)
 */
public record ResetRecord(long atEpochMillis, long bytesInUseBefore, int nodes, long largeFreed,
                          long deferredMicros, int requestsCovered) {
}
