package io.mpool.server.connection;

/**
 * One connection as the admin endpoint lists it: a consistent snapshot taken under its lock.
 *
 * @param tls the connection's TLS session, or null on the plain listener
 */
public record ConnectionSummary(long id, String remote, long ageMillis, long requests, long resets,
                                long resetsCoalesced, int nodes, long bytesUsed, long bytesReserved,
                                long largeCount, long largeBytes, int openBuffers,
                                boolean resetPending, boolean destroyed, String resetPendingReason,
                                int regionHolds, long bodyBytesInMemory, long bodyBytesOnDisk,
                                TlsSummary tls) {
}
