package io.mpool.server.connection;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.mempool.MpPool;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Logger;
import org.xnio.StreamConnection;

/**
 * One connection's memory: Undertow's {@code ByteBufferPool} over that connection's memory, in two
 * tiers (nginx's connection pool and request pool).
 *
 * <h2>Tiers</h2>
 * <ul>
 *   <li><b>Connection</b>: the head buffer (the first bytes of the pool's node, kept by every
 *   reset) and Undertow's buffers ({@link ConnectionBuffers}: a block of its own each, reused from
 *   one request to the next). Undertow holds some of them across requests (pipelined bytes,
 *   batched responses), so they must not belong to a request. How they are lent:
 *   {@link BufferLending}.</li>
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
 * run: {@link PoolLifecycle}. What the admin view reads: {@link PoolInspection}.
 *
 * <h2>Ownership of a handed-out buffer</h2>
 * See {@link BufferHandle}: Undertow owns a buffer until it closes the handle; a stale handle
 * throws instead of reaching memory that a reset or another request now owns.
 *
 * <p>Thread-safety: allocation happens on the IO thread and on worker threads, and a close can
 * come from any thread, so every state change takes this connection's lock (uncontended in
 * practice: one request at a time).
 */
public final class ConnectionBufferPool extends BufferLending implements Region {
    private static final Logger LOG = Logger.getLogger(ConnectionBufferPool.class.getName());
    /** Buffers a connection may keep across requests: read, response, and a handler's, with room. */
    static final int CACHED_BUFFERS = 4;

    /** The request tier; null while idle (an empty pool is dropped whole: {@link #pool()} makes it again). */
    private MpPool pool;
    /** The HTTP/2 streams and their regions, or null: an HTTP/1.1 connection. */
    private Http2Streams streams;
    private boolean capLogged;
    /**
     * Whether a handler took region memory or a cleanup since the last reset: else the reset leaves
     * the request tier alone (nothing to rewind), and a request that took none (most keep-alive
     * requests) never touches the {@link MpPool} object, one cold cache line less per request when a
     * thousand connections take turns.
     */
    private boolean regionTakenSinceReset;
    /** Region memory kept past its request ({@link #hold}) and the whole bodies read; null until the first. */
    private RegionHolds holds;

    /** @throws ArenaExhaustedException when the arena cannot give the first node */
    ConnectionBufferPool(PoolOwner owner) {
        super(owner);
        this.pool = newPool();
        takeHeadBuffer(pool);
    }

    /**
     * A pool whose small limit is a whole node (buffers up to a page fill nodes exactly), named by
     * this object (no string per connection). Keeping a few buffer-sized blocks across resets saves
     * every request two arena round trips and the scrub of memory changing hands.
     */
    private MpPool newPool() {
        return MpPool.create(registry().arena(), MpPool.NODE_SIZE, this).cacheOnReset(CACHED_BUFFERS, getBufferSize());
    }

    @Override
    MpPool pool() {
        if (pool == null) {
            pool = newPool();
        }
        return pool;
    }

    @Override
    MpPool requestTierIfAny() {
        return pool;
    }

    @Override
    boolean servesStreams() {
        return streams != null;
    }

    /** The HTTP/2 streams, or null on an HTTP/1.1 connection. */
    Http2Streams streams() {
        return streams;
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
                if (!arenaRefused() && !isClosing() && needsBufferFromArena()) {
                    checkCap(getBufferSize());
                    reserveResponseBuffer();
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
     * as soon as nothing is open, taking back what Undertow left open in a task of the channel's
     * IO thread, never at once. The close often happens inside Undertow's own use of a buffer: its
     * read listener reads the end of stream (or a reset) into the buffer it just took, closes the
     * connection, and closes that buffer only in its {@code finally}, after this listener has run.
     * Taken back at once, such a buffer went to the next holder while the code up the stack still
     * had it: seen as a view's limit set to 0 after its block was given back (4,053 times in four
     * chaos soaks), and before views were per hand-out, as another request's body buffer with no
     * room, which spun an IO thread. In the task, the listener has closed it the normal way. No
     * task when nothing is open (a connection the server closed after its answer).
     */
    public void channelClosed(StreamConnection channel) {
        boolean leftOpen;
        synchronized (this) {
            closing();
            leftOpen = openBuffers() > 0 || hasHolds(); // else the destroy has run: no task
        }
        if (leftOpen) {
            try {
                channel.getIoThread().execute(this::reclaimOrphanedBuffers);
            } catch (RejectedExecutionException stopping) {
                reclaimOrphanedBuffers(); // the IO thread is shutting down: no task will run, take them now
            }
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
            int reclaimed = takeBackOpenBuffers();
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
        boolean nodeGone = pool.releaseNodes();
        dropIdleBuffers(nodeGone);
        if (nodeGone) {
            pool = null; // empty: nothing of it is worth keeping on an idle connection
        }
    }

    @Override
    boolean hasHolds() {
        return holds != null && !holds.isEmpty();
    }

    /** The region holds and whole bodies, or null before the first. */
    RegionHolds holdsIfAny() {
        return holds;
    }

    private RegionHolds holds() {
        if (holds == null) {
            holds = new RegionHolds();
        }
        return holds;
    }

    /** Keeps region memory past the request: see {@link RegionHold}. */
    @Override
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
    @Override
    public void addCleanup(Runnable cleanup) {
        synchronized (this) {
            checkOpen();
            regionTakenSinceReset = true;
            pool().addCleanup(cleanup);
        }
    }

    /** Whole-body bytes taken (positive) or given up (negative) in pool memory and on disk. */
    @Override
    public void accountBody(long inMemory, long onDisk) {
        synchronized (this) {
            holds().accountBody(inMemory, onDisk);
        }
    }

    @Override
    public long maxBytes() {
        return registry().connectionMaxBytes();
    }

    /** Allocates scratch memory for the running request. */
    @Override
    public ByteBuffer allocateFromPool(int size, boolean zeroed) {
        synchronized (this) {
            checkOpen();
            checkCap(size);
            memoryTaken();
            regionTakenSinceReset = true; // before the arena may refuse: a partial allocation is rewound too
            try {
                return zeroed ? pool().allocateZeroed(size) : pool().allocate(size);
            } catch (ArenaExhaustedException e) {
                stats().arenaRejected();
                throw e;
            }
        }
    }

    /** Arena memory this connection holds: its pool's, its connection buffers', its streams' (lock held). */
    long bytesReserved() {
        return (isDestroyed() ? 0 : connectionBytes()) + (streams == null ? 0 : streams.bytes());
    }

    /** Its pool's and its connection buffers' (lock held; until the destroy has run). */
    private long connectionBytes() {
        return (pool == null ? 0 : pool.bytesReserved()) + lentBytes();
    }

    /** Switched to HTTP/2 ({@code h2}/{@code h2c}): no head buffer or per-request reset; a region per stream. */
    public Http2Streams servesHttp2(String protocol) {
        synchronized (this) {
            stopPerRequestReset();
            streams = new Http2Streams(this, registry().arena(), getBufferSize(), stats(), protocol);
            return streams;
        }
    }

    @Override
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
        PoolDestroyedEvent.emit(id(), owner, System.currentTimeMillis() - createdMillis(), requests(),
                resets(), coalesced(), reservedAtDestroy);
        try {
            releaseBuffersAtDestroy();
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
            if (request != null && regionTakenSinceReset) {
                regionTakenSinceReset = false;
                request.reset();
            }
            if (requests() == 1) {
                // The connection's first request may be its only one: an idle connection holds its
                // node alone from now on; its second request takes a buffer again, to keep.
                releaseFreeBuffers();
            }
        } finally {
            if (holds != null) {
                holds.bodiesGone();
            }
            resetDone(recorded ? id() : 0, bytesInUseBefore, nodesBefore, largeBefore, requestEnds);
        }
    }

    @Override
    void checkOpen() {
        if (isClosing()) {
            throw new IllegalStateException("connection " + id() + " is closing: its pool "
                    + this + " takes no more allocations");
        }
    }

    // ---- inspection ----

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
        return PoolInspection.summary(this);
    }

    /**
     * The connection with its pool's nodes, for a row of a list: without its reset history, whose
     * keeping starts only when someone looks at this connection alone ({@link #detail()}).
     */
    public ConnectionDetail row() {
        return PoolInspection.row(this);
    }

    /** The connection in detail: its pool's nodes and large entries, recent resets, HTTP/2 streams. */
    public ConnectionDetail detail() {
        return PoolInspection.detail(this);
    }
}
