package io.mpool.server;

import io.mpool.mempool.MpPool;
import io.mpool.mempool.PageArena;
import io.undertow.connector.ByteBufferPool;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.xnio.StreamConnection;

/** The live connections' pools, for the admin endpoint and for shutdown. */
public final class ConnectionRegistry {
    private final PageArena arena;
    private final int bufferSize;
    private final long connectionMaxBytes;
    private final ByteBufferPool arrayBacked;
    private final ServerStats stats;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, ConnectionPool> live = new ConcurrentHashMap<>();
    private final Map<Long, StreamConnection> channels = new ConcurrentHashMap<>();

    ConnectionRegistry(PageArena arena, int bufferSize, long connectionMaxBytes,
                       ByteBufferPool arrayBacked, ServerStats stats) {
        this.arena = arena;
        this.bufferSize = bufferSize;
        this.connectionMaxBytes = connectionMaxBytes;
        this.arrayBacked = arrayBacked;
        this.stats = stats;
    }

    /**
     * A pool for a newly accepted connection. Buffers up to a page are small allocations that
     * fill nodes exactly, so the pool's small limit is a whole node.
     *
     * @throws io.mpool.mempool.ArenaExhaustedException when the arena cannot give a first node
     */
    ConnectionPool open(String remote) {
        long id = ids.incrementAndGet();
        MpPool pool;
        try {
            pool = MpPool.create(arena, MpPool.NODE_SIZE, "conn-" + id);
        } catch (RuntimeException e) {
            stats.arenaRejections.increment();
            throw e;
        }
        ConnectionPool connection = new ConnectionPool(id, remote, pool, bufferSize, connectionMaxBytes,
                arrayBacked, stats, () -> {
                    live.remove(id);
                    channels.remove(id);
                });
        live.put(id, connection);
        stats.poolsCreated.increment();
        return connection;
    }

    /** Remembers the channel of a connection so {@link #sweepClosed()} can check on it. */
    void watch(ConnectionPool connection, StreamConnection channel) {
        channels.put(connection.id(), channel);
    }

    /**
     * A safety net: any live pool whose channel is closed is told so. Normally the channel's
     * close listener does this at once; this catches a connection closed before the listener was
     * attached, so no pool can outlive its connection by more than a sweep.
     */
    void sweepClosed() {
        for (ConnectionPool connection : live.values()) {
            StreamConnection channel = channels.get(connection.id());
            if (channel != null && !channel.isOpen()) {
                connection.connectionClosed();
            }
        }
    }

    public ConnectionPool get(long id) {
        return live.get(id);
    }

    /** Live connections, oldest first. */
    public List<ConnectionPool> connections() {
        List<ConnectionPool> result = new ArrayList<>(live.values());
        result.sort(Comparator.comparingLong(ConnectionPool::id));
        return result;
    }

    public int size() {
        return live.size();
    }
}
