package io.mpool.server.connection;

import io.mpool.mempool.PoolStats;
import java.util.List;

/** One connection in detail: its summary, its pool's nodes and large entries, its recent resets. */
public record ConnectionDetail(ConnectionSummary connection, PoolStats pool, List<ResetRecord> recentResets) {
}
