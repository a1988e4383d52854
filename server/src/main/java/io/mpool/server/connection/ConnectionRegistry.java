package io.mpool.server.connection;

import io.mpool.mempool.ArenaExhaustedException;
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
    /** Buffers a connection may keep across requests: read, response, and a handler's, with room. */
    static final int RETAINED_BUFFERS = 4;

    private final PageArena arena;
    private final int bufferSize;
    private final long connectionMaxBytes;
    private final ByteBufferPool arrayBacked;
    private final ServerStats stats;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, ConnectionBufferPool> live = new ConcurrentHashMap<>();

    public ConnectionRegistry(PageArena arena, int bufferSize, long connectionMaxBytes,
                       ByteBufferPool arrayBacked, ServerStats stats) {
        this.arena = arena;
        this.bufferSize = bufferSize;
        this.connectionMaxBytes = connectionMaxBytes;
        this.arrayBacked = arrayBacked;
        this.stats = stats;
    }

    /**
     * A pool for a newly accepted connection from {@code remote} (the peer's address as the channel
     * holds it; shown with {@code String.valueOf}). Buffers up to a page are small allocations that
     * fill nodes exactly, so the pool's small limit is a whole node.
     *
     * @throws io.mpool.mempool.ArenaExhaustedException when the arena cannot give a first node
     */
    public ConnectionBufferPool open(Object remote) {
        long id = ids.incrementAndGet();
        MpPool pool;
        try {
            // Keeping a few buffer-sized blocks across resets saves every request two arena
            // round trips and the scrub of memory changing hands; the sweep gives them back
            // when the connection goes idle.
            pool = MpPool.create(arena, MpPool.NODE_SIZE, "conn-" + id).retainOnReset(RETAINED_BUFFERS, bufferSize);
        } catch (ArenaExhaustedException e) {
            stats.arenaRejections.increment(); // only the arena's refusal counts as one
            throw e;
        }
        ConnectionBufferPool connection = new ConnectionBufferPool(id, remote, pool, bufferSize, connectionMaxBytes,
                arrayBacked, stats, () -> {
                    live.remove(id);
                });
        live.put(id, connection);
        stats.poolsCreated.increment();
        return connection;
    }

    /** Remembers the channel of a connection so {@link #sweepClosed()} can check on it. */
    public void watch(ConnectionBufferPool connection, StreamConnection channel) {
        connection.watch(channel);
    }

    /**
     * Once a sweep: any live pool whose channel is closed is told so (normally the channel's close
     * listener does this at once; this catches a connection closed before the listener was
     * attached, so no pool outlives its connection by more than a sweep), and connections that
     * served no request since the last sweep give their retained buffers back.
     */
    public void sweepClosed() {
        for (ConnectionBufferPool connection : live.values()) {
            StreamConnection channel = connection.channel();
            if (channel != null && !channel.isOpen()) {
                connection.channelClosed(channel);
            } else {
                connection.releaseRetainedIfIdle();
            }
        }
    }

    public ConnectionBufferPool get(long id) {
        return live.get(id);
    }

    /** Live connections, oldest first. */
    public List<ConnectionBufferPool> connections() {
        List<ConnectionBufferPool> result = new ArrayList<>(live.values());
        result.sort(Comparator.comparingLong(ConnectionBufferPool::id));
        return result;
    }

    public int size() {
        return live.size();
    }
}
