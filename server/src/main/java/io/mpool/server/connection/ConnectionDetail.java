package io.mpool.server.connection;

import io.mpool.mempool.PoolStats;
import java.util.List;

/**
 * One connection in detail: its summary, its pool's nodes and large entries, its recent resets,
 * and on HTTP/2 its live streams (newest first; empty on HTTP/1.1 and in a list's rows).
 */
public record ConnectionDetail(ConnectionSummary connection, PoolStats pool, List<ResetRecord> recentResets,
                               List<StreamSummary> streams) {
}
