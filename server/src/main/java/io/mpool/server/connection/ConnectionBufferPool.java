package io.mpool.server.connection;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.mempool.MpPool;
import io.mpool.mempool.PoolStats;
import io.mpool.server.stats.ServerStats;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.logging.Logger;
import org.xnio.StreamConnection;

/**
 * One connection's memory: Undertow's {@link ByteBufferPool} over that connection's memory, in two
 * tiers (nginx's connection pool and request pool).
 *
 * <h2>Tiers</h2>
 * <ul>
 *   <li><b>Connection</b>: the head buffer (the first bytes of the pool's node, kept by every
 *   reset) and Undertow's buffers ({@link ConnectionBuffers}: a block of its own each, reused from
 *   one request to the next). Undertow holds some of them across requests (pipelined bytes,
 *   batched responses), so they must not belong to a request.</li>
 *   <li><b>Request</b>: the {@link MpPool}, from which handlers take memory through
 *   region ({@link #allocateFromPool}) and whole request bodies are read. Rewound at every request end.</li>
 * </ul>
 *
 * <h2>Life</h2>
 * Created on accept (one arena page for the pool's head node); Undertow takes read/write buffers
 * with {@link #allocate()}: between requests the head buffer (a request head is read into it),
 * otherwise a connection buffer. Handlers take scratch memory from the region
 * ({@link #allocateFromPool}) while their request runs, and may keep some past it with a
 * {@link RegionHold} (a retained request body). When the reset, the idle release and the destroy
 * run: {@link PoolLifecycle}.
 *
 * <h2>Ownership of a handed-out buffer</h2>
 * See {@link BufferHandle}: Undertow owns a buffer until it closes the handle; a stale handle
 * throws instead of reaching memory that a reset or another request now owns.
 *
 * <p>Thread-safety: allocation happens on the IO thread and on worker threads, and a close can
 * come from any thread, so every state change takes this connection's lock (uncontended in
 * practice: one request at a time).
 */
public final class ConnectionBufferPool extends PoolLifecycle implements ByteBufferPool, Region {
    private static final Logger LOG = Logger.getLogger(ConnectionBufferPool.class.getName());
    /**
     * The buffer request heads are read into, at the start of the pool's node while the connection
     * is not idle (nginx: a 1 KB {@code client_header_buffer_size} buffer); a larger head takes more
     * reads. Only when Undertow's buffers are larger than it; else heads go into connection buffers.
     */
    static final int HEAD_BUFFER_SIZE = 2048;
    /** Buffers a connection may keep across requests: read, response, and a handler's, with room. */
    static final int CACHED_BUFFERS = 4;

    /** The connection: told of refusals and the destroy; asked for its id, peer and listener's registry. */
    private final PoolOwner owner;
    /** The request tier; null while idle (an empty pool is dropped whole: {@link #pool()} makes it again). */
    private MpPool pool;

    /** Handed out for reads while no request runs (the next head), kept across resets; null while idle. */
    private ByteBuffer headBuffer;
    private boolean headBufferOut;
    /** Undertow's buffers but the head buffer: the connection tier; null while idle ({@link #buffers()}). */
    private ConnectionBuffers buffers;
    /** The TLS engine's packet buffers, a second size class of the connection tier; null without TLS. */
    private TlsPacketBuffers tls;
    /** The HTTP/2 streams and their regions, or null: an HTTP/1.1 connection. */
    private Http2Streams streams;
    /** Handles Undertow holds, newest first (an intrusive list: no allocation per buffer). */
    private BufferHandle openHandles;
    private boolean capLogged;
    /** Heap buffers left for the 503 after a refusal mid-request ({@link #refuseArena()}), or NOT_REFUSED. */
    private byte refusalBuffersLeft = NOT_REFUSED;
    private static final byte NOT_REFUSED = -1;
    private static final byte MAX_REFUSAL_BUFFERS = 4;
    /** Region memory kept past its request ({@link #hold}) and the whole bodies read; null until the first. */
    private RegionHolds holds;

    /** @throws ArenaExhaustedException when the arena cannot give the first node */
    ConnectionBufferPool(PoolOwner owner) {
        this.owner = owner;
        this.pool = newPool();
        this.headBuffer = getBufferSize() > HEAD_BUFFER_SIZE ? pool.allocateKept(HEAD_BUFFER_SIZE) : null;
    }

    /** The arena, buffer size, per-connection cap, heap buffers: the listener's, not referenced from every pool. */
    ConnectionRegistry registry() {
        return owner.registry();
    }

    @Override
    ServerStats stats() {
        return registry().stats();
    }

    /**
     * A pool whose small limit is a whole node (buffers up to a page fill nodes exactly), named by
     * this object (no string per connection). Keeping a few buffer-sized blocks across resets saves
     * every request two arena round trips and the scrub of memory changing hands.
     */
    private MpPool newPool() {
        return MpPool.create(registry().arena(), MpPool.NODE_SIZE, this).cacheOnReset(CACHED_BUFFERS, getBufferSize());
    }

    /** The request tier, made again after an idle spell (lock held). */
    private MpPool pool() {
        if (pool == null) {
            pool = newPool();
        }
        return pool;
    }

    // ---- ByteBufferPool ----

    /**
     * A direct buffer of this connection: the 2 KB head buffer when no request runs (if buffers are
     * larger than it), else a {@link #getBufferSize()}-byte connection buffer; after the arena
     * refused a running request, a heap buffer for its 503.
     *
     * @throws IllegalStateException   once the connection is closing (Undertow treats this as
     *                                 "connection closing"), or when the connection would pass
     *                                 its byte cap
     * @throws ArenaExhaustedException when the shared arena is at its bound
     */
    @Override
    public PooledByteBuffer allocate() {
        try {
            synchronized (this) {
                checkOpen();
                if (refusalBuffersLeft != NOT_REFUSED) {
                    // Only to write the refusal, never the arena again, and only a few: a handler
                    // that goes on streaming after the refusal is told the connection is closing.
                    if (refusalBuffersLeft > 0) {
                        refusalBuffersLeft--;
                        return getArrayBackedPool().allocate();
                    }
                    throw new IllegalStateException("connection " + id() + " is closing after its memory was refused");
                }
                if (requestsRunning() == 0 && getBufferSize() > HEAD_BUFFER_SIZE && !headBufferOut && streams == null) {
                    if (headBuffer == null) {
                        headBuffer = pool().allocateKept(HEAD_BUFFER_SIZE); // the node went back while idle
                    }
                    headBufferOut = true; // between requests Undertow allocates only to read a head
                    openHandles = new BufferHandle(this, headBuffer.clear(), null, null, openHandles);
                } else {
                    if (!buffers().hasFree()) {
                        checkCap(getBufferSize());
                    }
                    openHandles = buffers.handOut(this, openHandles);
                }
                bufferHandedOut();
                return openHandles;
            }
        } catch (ArenaExhaustedException | ConnectionCapExceededException e) {
            // Undertow does not close a connection whose buffer allocation fails: do it here.
            owner.allocationRefused(e);
            throw e;
        }
    }

    /**
     * The arena refused this connection while a request runs whose response has not started:
     * from now on buffers come from the heap, so that Undertow can still write the 503 (a few
     * hundred bytes) and end the exchange without another refusal; the connection closes after it.
     */
    public void refuseArena() {
        synchronized (this) {
            if (refusalBuffersLeft == NOT_REFUSED) {
                refusalBuffersLeft = MAX_REFUSAL_BUFFERS;
            }
        }
    }

    @Override
    public ByteBufferPool getArrayBackedPool() {
        return registry().arrayBacked(); // Undertow calls .array() on these: heap buffers, not ours
    }

    @Override
    public void close() {
        // The connection's close listener, not Undertow, ends this pool (see connectionClosed).
    }

    @Override
    public int getBufferSize() {
        return registry().bufferSize();
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    // ---- request scope ----

    /**
     * Root handler entry: the request counts as open until {@link #requestEnded()} (also when this
     * throws). Its head was read into the head buffer; the buffer its response needs is taken from
     * the arena now if the connection has none free, so that a full arena refuses the request before
     * the handler starts the response, while a 503 can be its answer.
     *
     * @throws ArenaExhaustedException        when the arena cannot give that buffer
     * @throws ConnectionCapExceededException when it would pass the connection's cap
     */
    public void requestStarted() {
        stats().requestStarted();
        try {
            synchronized (this) {
                requestStarting();
                if (refusalBuffersLeft == NOT_REFUSED && !isClosing() && !buffers().hasFree()) {
                    checkCap(getBufferSize());
                    buffers.reserveOne();
                }
            }
        } catch (ArenaExhaustedException | ConnectionCapExceededException e) {
            owner.allocationRefused(e);
            throw e;
        }
    }

    /** The exchange completed: a reset is due as soon as nothing is open. */
    public void requestEnded() {
        synchronized (this) {
            requestEnding();
        }
    }

    /** An upgraded connection has no request boundaries: never reset it per request again. */
    public void disablePerRequestReset() {
        synchronized (this) {
            stopPerRequestReset();
        }
    }

    /** The channel closed: destroy as soon as nothing is open. Idempotent. */
    public void connectionClosed() {
        synchronized (this) {
            closing();
        }
    }

    /**
     * The connection's channel has closed (and Undertow's own close handling has run): destroy
     * as soon as nothing is open, taking back on the channel's IO thread what Undertow left open.
     */
    public void channelClosed(StreamConnection channel) {
        connectionClosed();
        if (channel.getIoThread() == Thread.currentThread()) {
            reclaimOrphanedBuffers();
        } else {
            channel.getIoThread().execute(this::reclaimOrphanedBuffers);
        }
    }

    /**
     * After the channel has closed and Undertow's own close handling has run: buffers Undertow
     * still holds while no request is running are orphans it will never close (its pipelining
     * buffer, which holds the batched responses of pipelined requests, is not closed with the
     * connection). They are taken back so the destroy can run: their handles turn stale (any
     * later use throws instead of reaching memory). Must run on the connection's IO thread, which
     * is the only thread that touches those buffers once no request is running.
     *
     * @return the number of buffers taken back
     */
    public int reclaimOrphanedBuffers() {
        synchronized (this) {
            if (state() != State.DESTROY_PENDING || requestsRunning() > 0 || openBuffers() == 0 && !hasHolds()) {
                return 0;
            }
            if (holds != null) {
                holds.revokeAll("connection " + id() + " (" + owner.peer() + ")", stats());
            }
            int reclaimed = 0;
            for (BufferHandle handle = openHandles; handle != null; handle = handle.next()) {
                ByteBuffer buffer = handle.takeBack(); // stale from now on: any later use throws
                if (buffer != null) {
                    handle.giveBackBlock(buffer); // the destroy gives the block back
                }
                reclaimed++;
            }
            openHandles = null;
            headBufferOut = false;
            stats().orphanedBuffersReclaimed(reclaimed);
            buffersTakenBack();
            return reclaimed;
        }
    }

    /**
     * Once a sweep: idle since the last one, it gives its memory back ({@link PoolLifecycle}).
     *
     * @return whether the connection is idle (its memory given back, now or by an earlier sweep)
     */
    boolean releaseIdleMemory() {
        synchronized (this) {
            swept();
            return state() == State.IDLE;
        }
    }

    @Override
    void releaseIdleMemoryNow() {
        giveBackIdleMemory(true);
        buffers = null; // none is out (nothing is open): the next request makes the tier again
        if (pool.releaseNodes()) {
            headBuffer = null; // the next read takes a node again, for a new head buffer
            pool = null; // empty: nothing of it is worth keeping on an idle connection
        }
    }

    @Override
    boolean hasHolds() {
        return holds != null && !holds.isEmpty();
    }

    private RegionHolds holds() {
        if (holds == null) {
            holds = new RegionHolds();
        }
        return holds;
    }

    /** Keeps region memory past the request: see {@link RegionHold}. */
    public RegionHold hold(String what, Runnable onRevoke) {
        synchronized (this) {
            checkOpen();
            RegionHold hold = new RegionHold(this, null, what, onRevoke);
            holds().add(hold);
            return hold;
        }
    }

    /** {@code hold} was released (lock held): the reset may run now. */
    void holdReleased(RegionHold hold) {
        assert Thread.holdsLock(this) : "connection " + id() + ": hold released without its lock";
        if (holds != null && holds.remove(hold)) {
            advance();
        }
    }

    /** Runs {@code cleanup} at the next reset or at destroy, whichever comes first. */
    public void addCleanup(Runnable cleanup) {
        synchronized (this) {
            checkOpen();
            pool().addCleanup(cleanup);
        }
    }

    /** Whole-body bytes taken (positive) or given up (negative) in pool memory and on disk. */
    public void accountBody(long inMemory, long onDisk) {
        synchronized (this) {
            holds().accountBody(inMemory, onDisk);
        }
    }

    public long maxBytes() {
        return registry().connectionMaxBytes();
    }

    /** Allocates scratch memory for the running request. */
    public ByteBuffer allocateFromPool(int size, boolean zeroed) {
        synchronized (this) {
            checkOpen();
            checkCap(size);
            memoryTaken();
            try {
                return zeroed ? pool().allocateZeroed(size) : pool().allocate(size);
            } catch (ArenaExhaustedException e) {
                stats().arenaRejected();
                throw e;
            }
        }
    }

    /** Arena memory this connection holds: its pool's, its connection buffers', its streams' (lock held). */
    private long bytesReserved() {
        return (isDestroyed() ? 0 : connectionBytes()) + (streams == null ? 0 : streams.bytes());
    }

    /** Its pool's and its connection buffers' (lock held; until the destroy has run). */
    private long connectionBytes() {
        return (pool == null ? 0 : pool.bytesReserved()) + (buffers == null ? 0 : buffers.bytes())
                + (tls == null ? 0 : tls.bytes());
    }

    /** Switched to HTTP/2 ({@code h2}/{@code h2c}): no head buffer or per-request reset; a region per stream. */
    public Http2Streams servesHttp2(String protocol) {
        synchronized (this) {
            stopPerRequestReset();
            streams = new Http2Streams(this, registry().arena(), getBufferSize(), stats(), protocol);
            return streams;
        }
    }

    /**
     * The buffer pool of this connection's TLS engine: blocks of {@code packetSize} bytes, taken
     * from the arena for this connection ({@link TlsPacketBuffers}). Called once, at accept.
     */
    public TlsPacketBuffers tlsPacketBuffers(int packetSize) {
        synchronized (this) {
            if (tls != null) {
                throw new IllegalStateException("connection " + id() + " already has its TLS packet buffers");
            }
            tls = new TlsPacketBuffers(this, packetSize);
            return tls;
        }
    }

    /**
     * A packet buffer for the TLS engine, a block of the connection's own.
     *
     * @throws IllegalStateException          once the connection is closing
     * @throws ConnectionCapExceededException when it would pass the connection's cap
     * @throws ArenaExhaustedException        when the arena is at its bound (counted)
     */
    PooledByteBuffer allocateTlsPacketBuffer() {
        synchronized (this) {
            checkOpen();
            ConnectionBuffers blocks = tls.blocksForHandOut(owner.tlsSession());
            if (!blocks.hasFree()) {
                checkCap(blocks.size());
            }
            openHandles = blocks.handOut(this, openHandles);
            bufferHandedOut();
            return openHandles;
        }
    }

    /** @throws ConnectionCapExceededException if {@code size} more bytes would pass the connection's cap (lock held) */
    void checkCap(int size) {
        long maxBytes = maxBytes();
        if (bytesReserved() + size > maxBytes) {
            stats().connectionCapRefused();
            if (!capLogged) {
                capLogged = true;
                LOG.warning("connection " + id() + " (" + owner.peer() + ") passed its cap of " + maxBytes
                        + " bytes (--connection-max-bytes): holding " + bytesReserved()
                        + ", asked for " + size + "; closing it");
            }
            throw new ConnectionCapExceededException(id(), maxBytes, bytesReserved(), size);
        }
    }

    // ---- the reset and the destroy (PoolLifecycle.advance() decides when) ----

    @Override
    void destroyNow() {
        long reservedAtDestroy = connectionBytes() + bytesReserved(); // DESTROYED already: its streams' alone
        if (holds != null) {
            holds.bodiesGone();
        }
        PoolDestroyedEvent.emit(id(), owner.peer(), System.currentTimeMillis() - createdMillis(), requests(),
                resets(), coalesced(), reservedAtDestroy);
        try {
            if (buffers != null) {
                assert buffers.out() == 0 : "connection " + id() + " destroyed with " + buffers.out() + " buffers out";
                buffers.releaseFree();
            }
            if (tls != null) {
                tls.releaseFree(true);
            }
            if (pool != null) { // none while idle: it held nothing
                pool.destroy();
            }
        } finally {
            stats().poolDestroyed();
            owner.poolDestroyed();
        }
    }

    @Override
    void resetNow(int requestEnds) {
        MpPool request = pool; // null if the request took no memory since an idle spell
        boolean recorded = resetRecorded(requestEnds); // else its figures are not read: see there
        long bytesInUseBefore = recorded && request != null ? request.bytesInUse() : 0;
        int nodesBefore = recorded && request != null ? request.nodeCount() : 0;
        int largeBefore = recorded && request != null ? request.largeCount() : 0;
        try {
            if (request != null) {
                request.reset();
            }
            if (requests() == 1 && buffers != null) {
                // The connection's first request may be its only one: an idle connection holds its
                // node alone from now on; its second request takes a buffer again, to keep.
                buffers.releaseFree();
            }
        } finally {
            if (holds != null) {
                holds.bodiesGone();
            }
            resetDone(recorded ? id() : 0, bytesInUseBefore, nodesBefore, largeBefore, requestEnds);
        }
    }

    /** Undertow closed {@code handle} on {@code buffer} (lock held): its block is free for the connection's next buffer. */
    void bufferClosed(BufferHandle handle, ByteBuffer buffer) {
        assert Thread.holdsLock(this) : "connection " + id() + ": buffer closed without its lock";
        openHandles = handle.unlink(openHandles);
        handle.giveBackBlock(buffer); // none to give back for the head buffer
        headBufferOut &= handle.block() != null;
        bufferReturned();
        if (requests() == 0 && openBuffers() == 0 && !isClosing()) {
            // Undertow reads into a buffer before it knows whether bytes have come; a
            // connection that has not sent a request yet keeps only its node while it waits.
            giveBackIdleMemory(false);
        }
    }

    /** Nothing is open: all but the node goes back; {@code idle}: the TLS tier's bookkeeping too (lock held). */
    private void giveBackIdleMemory(boolean idle) {
        if (pool != null) {
            pool.releaseCached();
        }
        if (buffers != null) {
            buffers.releaseFree();
        }
        if (tls != null) {
            tls.releaseFree(idle);
        }
    }

    /** The connection tier, made again after an idle spell (lock held). */
    private ConnectionBuffers buffers() {
        if (buffers == null) {
            buffers = new ConnectionBuffers(registry().arena(), pool(), getBufferSize(), stats());
        }
        return buffers;
    }

    void checkOpen() {
        if (isClosing()) {
            throw new IllegalStateException("connection " + id() + " is closing: its pool "
                    + this + " takes no more allocations");
        }
    }

    // ---- inspection ----

    public long id() {
        return owner.id();
    }

    /** The name of this connection's pool, too: {@code conn-<id>}. */
    @Override
    public String toString() {
        return "conn-" + id();
    }

    /** Bytes the running request took from the pool since the last reset (on the connection's thread). */
    public long requestBytesInUse() {
        MpPool request = pool;
        return request == null ? 0 : request.bytesInUse();
    }

    /** One line per connection for the admin endpoint. */
    public ConnectionSummary summary() {
        synchronized (this) {
            return new ConnectionSummary(id(), owner.peer(), System.currentTimeMillis() - createdMillis(), requests(),
                    resets(), coalesced(), pool == null ? 0 : pool.nodeCount(), requestBytesInUse(), bytesReserved(),
                    isDestroyed() || pool == null ? 0 : pool.largeCount(), pool == null ? 0 : pool.largeBytes(),
                    openBuffers(), isResetPending(), isDestroyed(), resetPendingReason(), holds == null ? 0 : holds.size(),
                    holds == null ? 0 : holds.bodyBytesInMemory(), holds == null ? 0 : holds.bodyBytesOnDisk(),
                    tls == null ? null : tls.summary(owner.tlsSession()),
                    streams == null ? "http/1.1" : streams.protocol(), streams == null ? 0 : streams.live());
        }
    }

    /** Why a pending reset waits, or null when none is pending (lock held). */
    private String resetPendingReason() {
        return !isResetPending() ? null : requestsRunning() > 0 ? "a request is running"
                : hasHolds() ? holds.describe() : "running";
    }

    /**
     * The connection with its pool's nodes, for a row of a list: without its reset history, whose
     * keeping starts only when someone looks at this connection alone ({@link #detail()}).
     */
    public ConnectionDetail row() {
        synchronized (this) {
            return new ConnectionDetail(summary(), poolStats(), List.of(), List.of());
        }
    }

    /** The connection in detail: its pool's nodes and large entries, recent resets, HTTP/2 streams. */
    public ConnectionDetail detail() {
        synchronized (this) {
            return new ConnectionDetail(summary(), poolStats(), history().snapshot(),
                    streams == null ? List.of() : streams.snapshot());
        }
    }

    /** The request tier's nodes and large entries; none once destroyed or while idle (nothing held). */
    private PoolStats poolStats() {
        return isDestroyed() || pool == null ? null : pool.stats();
    }
}
