package io.mpool.server.admin;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.mpool.mempool.PoolStats;
import io.mpool.server.connection.ConnectionDetail;
import io.mpool.server.connection.ConnectionSummary;
import java.util.List;

/**
 * One connection as {@code /admin/pools} lists it, in one shape whether the list is paged or not:
 * the summary's fields at the top of the row ({@code id}, {@code bytesReserved}, {@code nodes} as a
 * count, ...), then what the live view draws for it (its nodes as used/free bars with their
 * {@code failed} counts, the blocks its pool keeps across resets). Built from one snapshot taken
 * under the connection's lock.
 *
 * @param summary        the connection's summary, written as the row's own fields
 * @param poolNodes      the pool's nodes, head first (empty once the pool is destroyed)
 * @param cachedBlocks large blocks the pool keeps across resets for its next request
 * @param highWaterBytes the most bytes in use at any moment between two resets
 */
public record ConnectionRow(@JsonUnwrapped ConnectionSummary summary, List<PoolStats.NodeStats> poolNodes,
                            int cachedBlocks, long highWaterBytes) {

    static ConnectionRow of(ConnectionDetail detail) {
        PoolStats pool = detail.pool();
        return pool == null ? new ConnectionRow(detail.connection(), List.of(), 0, 0)
                : new ConnectionRow(detail.connection(), pool.nodes(), pool.cachedBlocks(), pool.highWaterBytes());
    }
}
