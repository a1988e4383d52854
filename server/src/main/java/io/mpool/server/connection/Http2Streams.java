package io.mpool.server.connection;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.mempool.MpPool;
import io.mpool.mempool.PageArena;
import io.mpool.server.stats.ServerStats;

/**
 * The streams of one HTTP/2 connection: a region per stream ({@link StreamRegion}, nginx's
 * {@code stream->pool}), their count and the arena bytes they hold, which the connection's cap
 * covers together with the connection's own memory.
 *
 * <p>Guarded by the connection's lock ({@link ConnectionBufferPool}); the counts the sweep and the
 * admin view read are volatile.
 */
public final class Http2Streams {
    private final ConnectionBufferPool connection;
    private final PageArena arena;
    private final int bufferSize;
    private final ServerStats stats;
    private final String protocol;
    /** Streams whose region is not destroyed yet (their exchange runs, or their buffers are out). */
    private volatile int live;
    /** Streams opened on this connection. */
    private volatile long opened;
    /** Arena bytes the live streams' regions hold. */
    private long bytes;
    /** The live streams, newest first (an intrusive list: no allocation per stream). */
    private StreamRegion newest;
    /** Set when the connection's HTTP/2 channel has closed: a stream that ends from now on is reclaimed at once. */
    private boolean closed;

    Http2Streams(ConnectionBufferPool connection, PageArena arena, int bufferSize, ServerStats stats, String protocol) {
        this.connection = connection;
        this.arena = arena;
        this.bufferSize = bufferSize;
        this.stats = stats;
        this.protocol = protocol;
    }

    /**
     * A region for stream {@code streamId}: one arena page to start with, within the connection's
     * cap. The stream counts as a request running on the connection (the connection's destroy
     * waits for it, the sweep does not take the connection for idle) until its region's
     * {@link StreamRegion#exchangeEnded()}.
     *
     * @throws ConnectionCapExceededException when the connection would pass its cap
     * @throws ArenaExhaustedException        when the arena cannot give the page (counted)
     * @throws IllegalStateException          when the connection is closing
     */
    public StreamRegion open(int streamId) {
        synchronized (connection) {
            connection.checkOpen();
            // Its node and a frame buffer for its response: a stream past the cap is refused
            // alone, before requestStarted, whose refusal would close the whole connection.
            connection.checkCap(MpPool.NODE_SIZE + bufferSize);
            try {
                connection.requestStarted(); // a frame buffer for its response ready, or refused now
            } catch (RuntimeException e) {
                connection.requestEnded(); // counted as running even when refused
                throw e;
            }
            MpPool pool;
            try {
                pool = MpPool.create(arena, MpPool.NODE_SIZE, "conn-" + connection.id() + "-stream-" + streamId);
            } catch (ArenaExhaustedException e) {
                stats.arenaRejected();
                connection.requestEnded();
                throw e;
            }
            StreamRegion stream = new StreamRegion(connection, this, streamId, pool, bufferSize, stats);
            bytes += pool.bytesReserved();
            live++;
            opened++;
            stream.next = newest;
            if (newest != null) {
                newest.prev = stream;
            }
            newest = stream;
            return stream;
        }
    }

    /** A stream region's reserved bytes changed by {@code delta} (lock held). */
    void reserved(long delta) {
        bytes += delta;
    }

    /** {@code stream}'s region was destroyed, its bytes given back (lock held). */
    void destroyed(StreamRegion stream, long bytesAtDestroy) {
        bytes -= bytesAtDestroy;
        live--;
        if (stream.prev != null) {
            stream.prev.next = stream.next;
        } else {
            newest = stream.next;
        }
        if (stream.next != null) {
            stream.next.prev = stream.prev;
        }
        stream.prev = null;
        stream.next = null;
        assert live >= 0 && bytes >= 0 : "connection " + connection.id() + ": live=" + live + " bytes=" + bytes;
    }

    /**
     * The connection's HTTP/2 channel closed: streams whose exchange has ended but whose buffers
     * Undertow will never close are destroyed now, their handles stale; streams still running are
     * destroyed when their exchange ends.
     */
    public void connectionClosed() {
        synchronized (connection) {
            closed = true;
            for (StreamRegion stream = newest; stream != null; ) {
                StreamRegion next = stream.next;
                stream.reclaimIfEnded();
                stream = next;
            }
        }
    }

    /** Whether the connection's channel has closed (lock held). */
    boolean closed() {
        return closed;
    }

    /** Arena bytes the live streams hold (lock held). */
    long bytes() {
        return bytes;
    }

    /** Streams whose region is live: running, or ended with buffers still out. */
    public int live() {
        return live;
    }

    /** Streams opened on this connection so far. */
    public long opened() {
        return opened;
    }

    /** {@code h2} (over TLS) or {@code h2c} (prior knowledge on the plain listener). */
    public String protocol() {
        return protocol;
    }
}
