package io.mpool.server.admin;

import io.mpool.mempool.PoolStats;
import io.mpool.server.connection.ConnectionDetail;
import io.mpool.server.connection.ConnectionSummary;
import java.util.List;

/**
 * One connection as a page of {@code /admin/pools?limit=...} lists it: its summary, and what the
 * live view draws for it (its nodes as used/free bars with their {@code failed} counts, the blocks
 * its pool keeps across resets). Built from one snapshot taken under the connection's lock.
 *
 * @param nodes          the pool's nodes, head first (empty once the pool is destroyed)
 * @param retainedBlocks large blocks the pool keeps across resets for its next request
 * @param highWaterBytes the most bytes in use at any moment between two resets
 */
public record ConnectionRow(ConnectionSummary connection, List<PoolStats.NodeStats> nodes, int retainedBlocks,
                            long highWaterBytes) {

    static ConnectionRow of(ConnectionDetail detail) {
        PoolStats pool = detail.pool();
        return pool == null ? new ConnectionRow(detail.connection(), List.of(), 0, 0)
                : new ConnectionRow(detail.connection(), pool.nodes(), pool.retainedBlocks(), pool.highWaterBytes());
    }
}
