package io.mpool.server.connection;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.mempool.PageArena;
import io.mpool.server.stats.ServerStats;
import io.undertow.connector.ByteBufferPool;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One listener's live connections, in one set: each from its accept until it is closed and
 * its memory is back. The sweep walks it once a second; the admin endpoint reads the pools in
 * it; stop closes every connection in it and waits for it to empty. Also where a connection's
 * pool is made, so that every pool carries its connection's id.
 */
public final class ConnectionRegistry {
    private final PageArena arena;
    private final int bufferSize;
    private final long connectionMaxBytes;
    private final ByteBufferPool arrayBacked;
    private final ServerStats stats;
    /** Paranoid mode's watch on buffers given back ({@link StaleViewWatch}); null otherwise. */
    private final StaleViewWatch staleViews;
    private final AtomicLong ids = new AtomicLong();
    /**
     * A set, not a map by id: a boxed id per connection is 24 bytes of every idle connection, for
     * the admin endpoint's look at one connection ({@link #get}), which walks the set instead.
     */
    private final Set<Connection> live = ConcurrentHashMap.newKeySet();

    /**
     * Connections with pools of {@code bufferSize}-byte buffers from {@code arena}, each at most
     * {@code connectionMaxBytes}; {@code arrayBacked} gives Undertow its heap buffers.
     */
    public ConnectionRegistry(PageArena arena, int bufferSize, long connectionMaxBytes,
                       ByteBufferPool arrayBacked, ServerStats stats) {
        this.arena = arena;
        this.bufferSize = bufferSize;
        this.connectionMaxBytes = connectionMaxBytes;
        this.arrayBacked = arrayBacked;
        this.stats = stats;
        this.staleViews = arena != null && arena.debug().paranoid() ? new StaleViewWatch() : null;
    }

    /** Paranoid mode's watch on buffers given back; null otherwise. */
    StaleViewWatch staleViews() {
        return staleViews;
    }

    /** Connections without pools of their own (a listener that shares one buffer pool). */
    public static ConnectionRegistry withoutPools(ServerStats stats) {
        return new ConnectionRegistry(null, 0, 0, null, stats);
    }

    PageArena arena() {
        return arena;
    }

    int bufferSize() {
        return bufferSize;
    }

    long connectionMaxBytes() {
        return connectionMaxBytes;
    }

    ByteBufferPool arrayBacked() {
        return arrayBacked;
    }

    ServerStats stats() {
        return stats;
    }

    long nextId() {
        return ids.incrementAndGet();
    }

    /**
     * A pool for connection {@code owner}, which it is told about (refusals, the destroy).
     *
     * @throws ArenaExhaustedException when the arena cannot give a first node
     */
    ConnectionBufferPool openPool(PoolOwner owner) {
        if (arena == null) {
            throw new IllegalStateException("this listener's connections have no pools of their own");
        }
        ConnectionBufferPool pool;
        try {
            pool = new ConnectionBufferPool(owner);
        } catch (ArenaExhaustedException e) {
            stats.arenaRejected(); // only the arena's refusal counts as one
            throw e;
        }
        stats.poolCreated();
        return pool;
    }

    /**
     * A pool not tied to a connection (tests and benchmarks of the pool alone), not in the
     * registry, shown with {@code remote} as its peer; {@code onDestroyed} runs once its last page is back.
     */
    public ConnectionBufferPool openPool(Object remote, Runnable onDestroyed) {
        return openPool(new LabelledOwner(nextId(), String.valueOf(remote), onDestroyed, this));
    }

    /** The owner of a pool without a connection: refusals are only thrown. */
    private record LabelledOwner(long id, String peer, Runnable onDestroyed, ConnectionRegistry registry)
            implements PoolOwner {
        @Override
        public void allocationRefused(RuntimeException refusal) {
        }

        @Override
        public void poolDestroyed() {
            onDestroyed.run();
        }
    }

    void add(Connection connection) {
        live.add(connection);
    }

    void remove(Connection connection) {
        live.remove(connection);
    }

    /**
     * Once a second, on one thread: each connection's timeouts and idle memory, and any whose
     * socket closed behind its close listener's back is torn down (so no pool outlives its
     * connection by more than a sweep).
     */
    public void sweep(long now) {
        for (Connection connection : live) {
            connection.sweep(now);
        }
        if (staleViews != null) {
            staleViews.check(now);
        }
    }

    /** Graceful stop begins: every HTTP/2 connection goes away once its running streams end. */
    public void goAwayAll() {
        for (Connection connection : live) {
            connection.goAway();
        }
    }

    /** Closes every connection (each is torn down by its close listener). */
    public void closeAll() {
        for (Connection connection : live) {
            connection.close();
        }
    }

    /** The pool of live connection {@code id}, or null: no such connection, or it has none. */
    public ConnectionBufferPool get(long id) {
        for (Connection connection : live) {
            if (connection.id() == id) {
                return connection.pool();
            }
        }
        return null;
    }

    /** The live connections, in no particular order. */
    public List<Connection> connections() {
        return new ArrayList<>(live);
    }

    /** The pools of the live connections, oldest first. */
    public List<ConnectionBufferPool> pools() {
        List<ConnectionBufferPool> result = new ArrayList<>(live.size());
        for (Connection connection : live) {
            ConnectionBufferPool pool = connection.pool();
            if (pool != null) {
                result.add(pool);
            }
        }
        result.sort(Comparator.comparingLong(ConnectionBufferPool::id));
        return result;
    }

    /** Live connections: open, or closed with memory not yet back. */
    public int size() {
        return live.size();
    }
}
