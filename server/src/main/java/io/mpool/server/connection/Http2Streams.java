package io.mpool.server.connection;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.mempool.MpPool;
import io.mpool.mempool.PageArena;
import io.mpool.server.stats.ServerStats;
import io.undertow.protocols.http2.Http2Channel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The streams of one HTTP/2 connection: a region per stream ({@link StreamRegion}, nginx's
 * {@code stream->pool}), their count and the arena bytes they hold, which the connection's cap
 * covers together with the connection's own memory.
 *
 * <p>A stream's region is not made from nothing each time: when a stream ends, its pool is reset
 * and kept on this connection's list of spare pools for the next stream (as long as it is down to
 * its one node), so a busy connection's streams take no page from the arena and give none back
 * each (no arena lock, no new pool). There are at most as many spare pools as there were streams
 * at once; they count in the connection's bytes (and so against its cap). Once a second those that
 * sat unused the whole second go back to the arena (a connection whose streams came in a burst
 * keeps no more than it still uses; an idle one keeps none), and all of them at the close.
 *
 * <p>Guarded by the connection's lock ({@link ConnectionBufferPool}); the counts the sweep and the
 * admin view read are volatile.
 */
public final class Http2Streams {
    /** How long a spare pool may sit unused before it goes back to the arena: the sweep's second. */
    static final long SPARE_TRIM_MILLIS = 1_000;
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
    /** Pools of ended streams' regions, reset, for the next streams (newest first); null while none. */
    private ArrayDeque<MpPool> spares;
    /** The fewest spare pools since the last trim: so many sat unused the whole time. */
    private int fewestSpares;
    /** The connection's HTTP/2 channel, on whose IO thread's timer the spares are trimmed; null until {@link #trimSparesOn}. */
    private Http2Channel channel;
    private boolean trimDue;
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
            MpPool pool = spares == null ? null : spares.poll();
            if (pool != null) {
                fewestSpares = Math.min(fewestSpares, spares.size());
            } else {
                try {
                    pool = MpPool.create(arena, MpPool.NODE_SIZE, this); // named by toString(), when asked
                } catch (ArenaExhaustedException e) {
                    stats.arenaRejected();
                    connection.requestEnded();
                    throw e;
                }
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

    /**
     * {@code stream}'s region has ended, its {@code pool} holding {@code bytesAtEnd}: the pool is
     * reset and kept for the next stream if it is down to its one node and the connection is open,
     * else destroyed (lock held).
     */
    void ended(StreamRegion stream, MpPool pool, long bytesAtEnd) {
        bytes -= bytesAtEnd;
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
        if (closed) {
            pool.destroy();
            return;
        }
        try {
            pool.reset(); // the stream's cleanups run here, as a destroy runs them
        } catch (RuntimeException e) {
            pool.destroy();
            throw e;
        }
        if (pool.bytesReserved() != MpPool.NODE_SIZE) {
            pool.destroy(); // it grew (more nodes, cached large blocks): the next stream starts small
        } else {
            if (spares == null) {
                spares = new ArrayDeque<>();
            }
            spares.push(pool); // one node: MpPool.NODE_SIZE bytes, counted by bytes()
            if (!trimDue && channel != null) {
                fewestSpares = spares.size();
                trimDue = true;
                channel.getIoThread().executeAfter(this::trimSpares, SPARE_TRIM_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Spare pools are trimmed on the timer of {@code http2}'s IO thread. */
    void trimSparesOn(Http2Channel http2) {
        synchronized (connection) {
            this.channel = http2;
        }
    }

    /**
     * The spare pools unused since the last trim go back to the arena (the oldest first); again in a
     * second if any is left. Once none is left and no stream is live, the connection is idle: the
     * channel's stale read buffer handle goes too ({@link Http2IdleChannel}).
     */
    private void trimSpares() {
        boolean idle;
        synchronized (connection) {
            trimDue = false;
            if (spares == null) {
                return; // released at the close
            }
            for (int unused = fewestSpares; unused > 0 && !spares.isEmpty(); unused--) {
                spares.pollLast().destroy();
            }
            fewestSpares = spares.size();
            if (!spares.isEmpty() && !closed) {
                trimDue = true;
                channel.getIoThread().executeAfter(this::trimSpares, SPARE_TRIM_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            spares = null;
            idle = live == 0 && !closed;
        }
        if (idle) {
            Http2IdleChannel.dropFreedReadBuffer(channel); // outside the connection's lock: Undertow's comes first
        }
    }

    /** Every spare pool goes back to the arena: the connection is closing (lock held). */
    private void releaseSpares() {
        for (MpPool pool = spares == null ? null : spares.poll(); pool != null; pool = spares.poll()) {
            pool.destroy();
        }
        spares = null;
        fewestSpares = 0;
    }

    /**
     * The connection's HTTP/2 channel closed: streams whose exchange has ended but whose buffers
     * Undertow will never close are destroyed now, their handles stale; streams still running are
     * destroyed when their exchange ends.
     */
    public void connectionClosed() {
        synchronized (connection) {
            closed = true;
            releaseSpares();
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

    /** Arena bytes the live streams and the spare pools (one node each) hold (lock held). */
    long bytes() {
        return bytes + (spares == null ? 0 : (long) spares.size() * MpPool.NODE_SIZE);
    }

    /** The live streams, newest first (lock held: the connection's detail takes it). */
    List<StreamSummary> snapshot() {
        List<StreamSummary> live = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (StreamRegion stream = newest; stream != null; stream = stream.next) {
            live.add(stream.summary(now));
        }
        return live;
    }

    /** Streams whose region is live: running, or ended with buffers still out. */
    public int live() {
        return live;
    }

    /** Streams opened on this connection so far. */
    public long opened() {
        return opened;
    }

    /** What its streams' pools are called in messages. */
    @Override
    public String toString() {
        return "conn-" + connection.id() + "-stream";
    }

    /** {@code h2} (over TLS) or {@code h2c} (prior knowledge on the plain listener). */
    public String protocol() {
        return protocol;
    }
}
