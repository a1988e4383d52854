package io.mpool.server.connection;

/** One connection as the admin endpoint lists it: a consistent snapshot taken under its lock. */
public record ConnectionSummary(long id, String remote, long ageMillis, long requests, long resets,
                                long resetsCoalesced, int nodes, long bytesUsed, long bytesReserved,
                                long largeCount, long largeBytes, int openBuffers,
                                boolean resetPending, boolean destroyed, String resetPendingReason,
                                int regionHolds, long bodyBytesInMemory, long bodyBytesOnDisk) {
}
