package io.mpool.server.connection;

/**
 * One reset of a connection's pool, as the admin endpoint shows it.
 *
 * @param atEpochMillis    when it ran
 * @param bytesInUseBefore bytes the pool had handed out since the previous reset
 * @param nodes            nodes the pool kept
 * @param largeFreed       large allocations still live when the reset ran, all released by it;
 *                         the arena got back only those the pool does not keep for its next
 *                         request ({@code MpPool.cacheOnReset}: a few buffer-sized blocks), so
 *                         this counts what the request held, not what left the connection
 * @param deferredMicros   time from the end of the request to the reset (0: ran at once)
 * @param requestsCovered  request ends this reset stood for (more than 1: coalesced)
 */
public record ResetRecord(long atEpochMillis, long bytesInUseBefore, int nodes, int largeFreed,
                          long deferredMicros, int requestsCovered) {
}
