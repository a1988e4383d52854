package io.mpool.server.connection;

/**
 * One connection as the admin endpoint lists it: a consistent snapshot taken under its lock.
 *
 * @param tls      the connection's TLS session, or null on the plain listener
 * @param protocol {@code http/1.1}, {@code h2} (HTTP/2 over TLS) or {@code h2c} (HTTP/2 in the clear)
 * @param streams  HTTP/2 streams whose region is live (0 on HTTP/1.1)
 */
public record ConnectionSummary(long id, String remote, long ageMillis, long requests, long resets,
                                long resetsCoalesced, int nodes, long bytesUsed, long bytesReserved,
                                long largeCount, long largeBytes, int openBuffers,
                                boolean resetPending, boolean destroyed, String resetPendingReason,
                                int regionHolds, long bodyBytesInMemory, long bodyBytesOnDisk,
                                TlsSummary tls, String protocol, int streams) {
}
