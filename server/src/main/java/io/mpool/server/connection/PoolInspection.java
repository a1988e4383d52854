package io.mpool.server.connection;

import io.mpool.mempool.MpPool;
import io.mpool.mempool.PoolStats;
import java.util.List;

/**
 * What the admin view reads of one connection's memory: a summary line, a row of a list, the
 * detail with its resets and streams. It runs on the admin's thread while the connection's IO
 * thread serves, so each is read under the pool's lock: a consistent snapshot, never torn between
 * two of the pool's steps.
 */
final class PoolInspection {
    private PoolInspection() {
    }

    /** One line per connection for the admin endpoint. */
    static ConnectionSummary summary(ConnectionBufferPool connection) {
        synchronized (connection) {
            MpPool pool = connection.requestTierIfAny();
            RegionHolds holds = connection.holdsIfAny();
            TlsPacketBuffers tls = connection.tls();
            Http2Streams streams = connection.streams();
            PoolOwner owner = connection.owner;
            return new ConnectionSummary(connection.id(), owner.peer(),
                    System.currentTimeMillis() - connection.createdMillis(), connection.requests(),
                    connection.resets(), connection.coalesced(), pool == null ? 0 : pool.nodeCount(),
                    connection.requestBytesInUse(), connection.bytesReserved(),
                    connection.isDestroyed() || pool == null ? 0 : pool.largeCount(), pool == null ? 0 : pool.largeBytes(),
                    connection.openBuffers(), connection.isResetPending(), connection.isDestroyed(),
                    resetPendingReason(connection, holds), holds == null ? 0 : holds.size(),
                    holds == null ? 0 : holds.bodyBytesInMemory(), holds == null ? 0 : holds.bodyBytesOnDisk(),
                    tls == null ? null : tls.summary(owner.tlsSession()),
                    streams == null ? "http/1.1" : streams.protocol(), streams == null ? 0 : streams.live());
        }
    }

    /** Why a pending reset waits, or null when none is pending (lock held). */
    private static String resetPendingReason(ConnectionBufferPool connection, RegionHolds holds) {
        return !connection.isResetPending() ? null : connection.requestsRunning() > 0 ? "a request is running"
                : connection.hasHolds() ? holds.describe() : "running";
    }

    /**
     * The connection with its pool's nodes, for a row of a list: without its reset history, whose
     * keeping starts only when someone looks at this connection alone ({@link #detail}).
     */
    static ConnectionDetail row(ConnectionBufferPool connection) {
        synchronized (connection) {
            return new ConnectionDetail(summary(connection), poolStats(connection), List.of(), List.of());
        }
    }

    /** The connection in detail: its pool's nodes and large entries, recent resets, HTTP/2 streams. */
    static ConnectionDetail detail(ConnectionBufferPool connection) {
        synchronized (connection) {
            Http2Streams streams = connection.streams();
            return new ConnectionDetail(summary(connection), poolStats(connection), connection.history().snapshot(),
                    streams == null ? List.of() : streams.snapshot());
        }
    }

    /** The request tier's nodes and large entries; none once destroyed or while idle (nothing held). */
    private static PoolStats poolStats(ConnectionBufferPool connection) {
        MpPool pool = connection.requestTierIfAny();
        return connection.isDestroyed() || pool == null ? null : pool.stats();
    }
}
