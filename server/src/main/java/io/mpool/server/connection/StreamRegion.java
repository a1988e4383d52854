package io.mpool.server.connection;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.mempool.MpPool;
import io.mpool.server.stats.ServerStats;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import java.nio.ByteBuffer;

/**
 * The region of one HTTP/2 stream (nginx's {@code stream->pool}, H2O's per-request pool):
 * everything its exchange takes, the buffers Undertow's response path takes through the exchange's
 * connection ({@code exchange.getConnection().getByteBufferPool()}: the sender's, a blocking
 * stream's), {@code RequestRegion}'s scratch memory and whole request bodies. The frames Undertow
 * writes for it (HEADERS, DATA) and the read buffers its DATA arrives in are the connection's: its
 * HTTP/2 channel takes them from the connection's pool. Its own
 * {@link MpPool} from the connection's arena, taken when the stream's request arrives and
 * destroyed when its exchange has ended, every buffer it handed out is closed and no
 * {@link RegionHold} is left: a stream never waits for the connection to be quiescent, and a
 * busy connection never keeps a finished stream's memory beyond its one node. (The destroy runs
 * the pool's cleanups and frees all it handed out; the pool itself, reset to its one node, may be
 * kept by {@link Http2Streams} for the connection's next stream. This object is not: a handle of
 * an ended stream stays stale.)
 *
 * <p>Within the connection's cap: every allocation is checked against the connection's memory and
 * all its streams' ({@link ConnectionBufferPool#checkCap}). Guarded by the connection's
 * lock.
 *
 * <p>Ownership of a buffer handed out as a {@link PooledByteBuffer}: Undertow owns it until it
 * closes it; its block goes back to the arena at once. A handle still open when the region is
 * destroyed at the connection's close is stale: any use throws instead of reaching memory another
 * connection may own by then.
 */
public final class StreamRegion implements ByteBufferPool, Region {
    private final ConnectionBufferPool connection;
    private final Http2Streams streams;
    private final int streamId;
    private final MpPool pool;
    private final int bufferSize;
    private final ServerStats stats;
    /** The holds on this region ({@code RequestBody}'s retained bodies); null until the first (most streams take none). */
    private RegionHolds holds;
    private int openBuffers;
    /** Whole-body bytes of the stream's request, shown in the connection's figures while the stream lives. */
    private long bodyBytesInMemory;
    private long bodyBytesOnDisk;
    private boolean ended;
    private volatile boolean destroyed;
    private final long createdMillis = System.currentTimeMillis();
    /** The request body's copy in this region, or null: none (lock held to set). */
    private StreamPreread preread;
    /** Neighbours in {@link Http2Streams}' list of live streams. */
    StreamRegion prev;
    StreamRegion next;

    StreamRegion(ConnectionBufferPool connection, Http2Streams streams, int streamId, MpPool pool, int bufferSize,
                 ServerStats stats) {
        this.connection = connection;
        this.streams = streams;
        this.streamId = streamId;
        this.pool = pool;
        this.bufferSize = bufferSize;
        this.stats = stats;
    }

    // ---- ByteBufferPool: what Undertow takes through the stream's exchange ----

    @Override
    public PooledByteBuffer allocate() {
        synchronized (connection) {
            return new StreamBuffer(allocateLocked(bufferSize, false));
        }
    }

    @Override
    public ByteBufferPool getArrayBackedPool() {
        return connection.getArrayBackedPool(); // Undertow calls .array() on these: heap buffers
    }

    @Override
    public void close() {
        // The stream's end, not Undertow, destroys the region.
    }

    @Override
    public int getBufferSize() {
        return bufferSize;
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    // ---- Region ----

    @Override
    public long id() {
        return connection.id();
    }

    /** The HTTP/2 stream id. */
    public int streamId() {
        return streamId;
    }

    @Override
    public ByteBuffer allocateFromPool(int size, boolean zeroed) {
        synchronized (connection) {
            return allocateLocked(size, zeroed);
        }
    }

    @Override
    public void addCleanup(Runnable cleanup) {
        synchronized (connection) {
            checkLive();
            pool.addCleanup(cleanup);
        }
    }

    @Override
    public RegionHold hold(String what, Runnable onRevoke) {
        synchronized (connection) {
            checkLive();
            RegionHold hold = new RegionHold(connection, this, what, onRevoke);
            if (holds == null) {
                holds = new RegionHolds();
            }
            holds.add(hold);
            return hold;
        }
    }

    @Override
    public void accountBody(long inMemory, long onDisk) {
        synchronized (connection) {
            if (!destroyed) {
                bodyBytesInMemory += inMemory;
                bodyBytesOnDisk += onDisk;
                connection.accountBody(inMemory, onDisk);
            }
        }
    }

    @Override
    public long maxBytes() {
        return connection.maxBytes();
    }

    // ---- life ----

    /** The stream's exchange has completed (its response's frames are written): destroy once nothing is out. */
    public void exchangeEnded() {
        synchronized (connection) {
            if (ended) {
                return;
            }
            ended = true;
            connection.requestEnded();
            if (streams.closed()) {
                reclaimIfEnded(); // the channel is gone: what is still out will never come back
            } else {
                destroyIfDone();
            }
        }
    }

    /** {@code hold} was released (lock held). */
    void holdReleased(RegionHold hold) {
        if (holds != null && holds.remove(hold)) {
            destroyIfDone();
        }
    }

    /**
     * The connection closed (lock held): an ended stream whose buffers or holds Undertow and the
     * handler will never give back is destroyed now; a running one waits for its exchange's end.
     */
    void reclaimIfEnded() {
        if (ended && !destroyed) {
            if (holds != null) {
                holds.revokeAll("connection " + connection.id() + " stream " + streamId, stats);
            }
            stats.orphanedBuffersReclaimed(openBuffers);
            openBuffers = 0; // their handles turn stale with the destroy
            destroyIfDone();
        }
    }

    /** The request body is copied into this region by {@code preread}. */
    void preread(StreamPreread copy) {
        synchronized (connection) {
            this.preread = copy;
        }
    }

    /** The stream as the admin view lists it (lock held). */
    StreamSummary summary(long nowMillis) {
        StreamPreread copy = preread;
        return new StreamSummary(streamId, ended ? "ended" : "running", bytesReserved(),
                copy == null ? 0 : copy.buffered(), nowMillis - createdMillis);
    }

    public boolean destroyed() {
        return destroyed;
    }

    /** Arena bytes the region holds now (lock held, or a racy look for the admin view). */
    public long bytesReserved() {
        return destroyed ? 0 : pool.bytesReserved();
    }

    private void destroyIfDone() {
        assert Thread.holdsLock(connection) : "stream " + streamId + ": destroy without the connection's lock";
        if (!ended || destroyed || openBuffers > 0 || (holds != null && !holds.isEmpty())) {
            return;
        }
        long reserved = pool.bytesReserved();
        destroyed = true;
        connection.accountBody(-bodyBytesInMemory, -bodyBytesOnDisk); // the body went with the region
        streams.ended(this, pool, reserved); // the pool is reset for the next stream, or destroyed
    }

    private ByteBuffer allocateLocked(int size, boolean zeroed) {
        checkLive();
        connection.checkCap(size);
        long before = pool.bytesReserved();
        try {
            return zeroed ? pool.allocateZeroed(size) : pool.allocate(size);
        } catch (ArenaExhaustedException e) {
            stats.arenaRejected();
            throw e;
        } finally {
            streams.reserved(pool.bytesReserved() - before);
        }
    }

    private void checkLive() {
        if (destroyed) {
            throw new IllegalStateException("stream " + streamId + " of connection " + connection.id()
                    + " has ended: its region takes no more allocations");
        }
    }

    private void bufferClosed(ByteBuffer buffer) {
        synchronized (connection) {
            if (destroyed) {
                return; // reclaimed at the connection's close: the destroy gave it back
            }
            openBuffers--;
            long before = pool.bytesReserved();
            pool.free(buffer); // a buffer larger than a node goes back to the arena now
            streams.reserved(pool.bytesReserved() - before);
            destroyIfDone();
        }
    }

    /** A buffer of the region as Undertow holds it; stale once closed or once the region is destroyed. */
    private final class StreamBuffer implements PooledByteBuffer {
        private ByteBuffer buffer;

        StreamBuffer(ByteBuffer buffer) {
            this.buffer = buffer;
            openBuffers++;
        }

        @Override
        public ByteBuffer getBuffer() {
            ByteBuffer current = buffer;
            if (current == null || destroyed) {
                throw new IllegalStateException("buffer of stream " + streamId + " of connection " + connection.id()
                        + " used after " + (current == null ? "close" : "its region was destroyed"));
            }
            return current;
        }

        @Override
        public void close() {
            ByteBuffer current = buffer;
            if (current != null) {
                buffer = null;
                bufferClosed(current);
            }
        }

        @Override
        public boolean isOpen() {
            return buffer != null && !destroyed;
        }

        @Override
        public String toString() {
            return "PooledByteBuffer[connection=" + connection.id() + " stream=" + streamId + " open=" + isOpen() + "]";
        }
    }
}
