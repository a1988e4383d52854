package io.mpool.server.connection;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.mempool.MpPool;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.xnio.StreamConnection;

/**
 * One connection's memory: Undertow's {@link ByteBufferPool} over that connection's
 * {@link MpPool}.
 *
 * <h2>Life</h2>
 * <ol>
 *   <li>Created on accept (one arena page for the pool's head node).</li>
 *   <li>Undertow takes read/write buffers with {@link #allocate()}: a request's head goes into the
 *   head buffer, its first full-size buffer is the {@link KeptBuffer}, others come from the pool
 *   and, once closed, serve the next {@code allocate()} of the same request.</li>
 *   <li>Handlers take scratch memory from the region ({@link #allocateFromPool}) while their request runs, and may
 *   keep some past it with a {@link RegionHold} (a retained request body).</li>
 *   <li>Request end marks a reset <em>pending</em>. It runs when nothing it would take back is open:
 *   no buffer held by Undertow (a read buffer with pipelined bytes, a kept header buffer, a
 *   late-closed stream buffer; the head buffer is kept memory and does not count), no request
 *   running and no region hold. Whichever thread closes the last thing runs it.</li>
 *   <li>Connection close marks a destroy pending; it runs under the same rule, after which every
 *   page is back in the arena and {@link #allocate()} throws. Region holds do not delay it past
 *   the channel's close: they are revoked as leaks ({@link #reclaimOrphanedBuffers()}).</li>
 * </ol>
 *
 * <h2>Ownership of a handed-out buffer</h2>
 * See {@link BufferHandle}: Undertow owns a buffer until it closes the handle; a stale handle
 * throws instead of reaching memory that a reset or another request now owns.
 *
 * <p>Thread-safety: allocation happens on the IO thread and on worker threads, and a close can
 * come from any thread, so every state change takes this connection's lock (uncontended in
 * practice: one request at a time).
 */
public final class ConnectionBufferPool implements ByteBufferPool {
    private static final Logger LOG = Logger.getLogger(ConnectionBufferPool.class.getName());
    /**
     * The buffer request heads are read into, at the start of the pool's node for the connection's
     * life (nginx: a 1 KB {@code client_header_buffer_size} buffer); a larger head takes more reads.
     */
    static final int HEAD_BUFFER_SIZE = 2048;

    private final long id;
    private final String remote;
    private final long createdMillis = System.currentTimeMillis();
    private final MpPool pool;
    private final int bufferSize;
    private final long maxBytes;
    private final ByteBufferPool arrayBacked;
    private final ServerStats stats;
    private final Runnable onDestroyed;
    private volatile Consumer<RuntimeException> onAllocationRefused = e -> { };

    /** Handed out for reads while no request runs (the next head), kept across resets; or null. */
    private final ByteBuffer headBuffer;
    private boolean headBufferOut;
    /** The full-size buffer kept across requests; null when there is no head buffer. */
    private final KeptBuffer kept;
    /** Closed buffers of this request, reused before the pool is asked again. */
    private final ArrayDeque<ByteBuffer> recycled = new ArrayDeque<>();
    /** Handles Undertow holds, newest first (an intrusive list: no allocation per buffer). */
    private BufferHandle openHandles;
    private int openBuffers;
    private int requestsRunning;
    private int pendingRequestEnds;
    private boolean perRequestReset = true;
    private boolean destroyPending;
    private boolean destroyed;
    private long requests;
    private long requestsAtLastSweep = -1;
    private boolean capLogged;
    /** Set once the arena refused this connection mid-request: see {@link #refuseArena()}. */
    private boolean arenaRefused;
    /** Heap buffers handed out since then (the 503's header and body need one or two). */
    private int refusalBuffers;
    private static final int MAX_REFUSAL_BUFFERS = 4;
    /** True while Undertow's listener is built: allocate answers its size probe. */
    private boolean probing;
    private final PooledByteBuffer sizeProbe;
    private final ResetHistory history = new ResetHistory();
    private final RegionHolds holds = new RegionHolds();
    /** Whole request bodies of the requests since the last reset: bytes in pool memory and in temp files. */
    private long bodyBytesInMemory;
    private long bodyBytesOnDisk;

    ConnectionBufferPool(long id, String remote, MpPool pool, int bufferSize, long maxBytes,
                         ByteBufferPool arrayBacked, PooledByteBuffer sizeProbe, ServerStats stats,
                         Runnable onDestroyed) {
        this.sizeProbe = sizeProbe;
        this.id = id;
        this.remote = remote;
        this.pool = pool;
        this.bufferSize = bufferSize;
        this.maxBytes = maxBytes;
        this.arrayBacked = arrayBacked;
        this.stats = stats;
        this.onDestroyed = onDestroyed;
        this.headBuffer = bufferSize > HEAD_BUFFER_SIZE ? pool.allocateKept(HEAD_BUFFER_SIZE) : null;
        this.kept = headBuffer != null ? new KeptBuffer(pool.arena(), pool, bufferSize, stats) : null;
    }

    // ---- ByteBufferPool ----

    /**
     * A {@link #getBufferSize()}-byte direct buffer from this connection's pool.
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
                if (probing) {
                    return sizeProbe;
                }
                if (arenaRefused) {
                    // Only to write the refusal, never the arena again, and only a few: a handler
                    // that goes on streaming after the refusal is told the connection is closing.
                    if (refusalBuffers++ < MAX_REFUSAL_BUFFERS) {
                        return arrayBacked.allocate();
                    }
                    throw new IllegalStateException("connection " + id + " is closing after its memory was refused");
                }
                ByteBuffer buffer;
                if (requestsRunning == 0 && headBuffer != null && !headBufferOut) {
                    headBufferOut = true; // between requests Undertow allocates only to read a head
                    buffer = headBuffer.clear();
                } else if (kept != null && !kept.out()) {
                    if (!kept.held()) {
                        takeKept();
                    }
                    buffer = kept.handOut();
                } else {
                    buffer = recycled.pollFirst();
                }
                if (buffer == null) {
                    buffer = allocateLocked(bufferSize, false);
                }
                openBuffers++;
                openHandles = new BufferHandle(this, buffer, openHandles);
                return openHandles;
            }
        } catch (ArenaExhaustedException | ConnectionCapExceededException e) {
            // Undertow does not close a connection whose buffer allocation fails: do it here.
            onAllocationRefused.accept(e);
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
            arenaRefused = true;
        }
    }

    /**
     * Builds Undertow's listener for this connection: its constructor takes a buffer only to learn
     * the buffer size, which here is answered without taking memory from the pool.
     */
    public <T> T withSizeProbe(Supplier<T> construct) {
        synchronized (this) {
            try {
                probing = true;
                return construct.get();
            } finally {
                probing = false;
            }
        }
    }

    /**
     * What to do when this connection cannot get memory: the server answers 503 and closes if no
     * request is running, else closes. Set once, right after the connection is accepted.
     */
    public void onAllocationRefused(Consumer<RuntimeException> handler) {
        this.onAllocationRefused = handler;
    }

    @Override
    public ByteBufferPool getArrayBackedPool() {
        return arrayBacked; // Undertow calls .array() on these: heap buffers, not ours
    }

    @Override
    public void close() {
        // The connection's close listener, not Undertow, ends this pool (see connectionClosed).
    }

    @Override
    public int getBufferSize() {
        return bufferSize;
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    // ---- request scope ----

    /**
     * Root handler entry: the request counts as open until {@link #requestEnded()} (also when this
     * throws). Its head was read into the head buffer; the full-size buffer its response needs (the
     * kept buffer) is taken from the arena now if the connection does not hold it, so that a full
     * arena refuses the request before the handler starts the response, while a 503 can be its answer.
     *
     * @throws ArenaExhaustedException        when the arena cannot give that buffer
     * @throws ConnectionCapExceededException when it would pass the connection's cap
     */
    public void requestStarted() {
        stats.requests.increment();
        try {
            synchronized (this) {
                requestsRunning++;
                requests++;
                if (kept != null && !arenaRefused && !destroyPending) { // destroyed implies destroyPending
                    if (!kept.held()) {
                        takeKept();
                    } else if (kept.out() && recycled.isEmpty()) {
                        recycled.addFirst(allocateLocked(bufferSize, false)); // Undertow still holds the kept one
                    }
                }
            }
        } catch (ArenaExhaustedException | ConnectionCapExceededException e) {
            onAllocationRefused.accept(e);
            throw e;
        }
    }

    /** The exchange completed: a reset is due as soon as nothing is open. */
    public void requestEnded() {
        synchronized (this) {
            requestsRunning--;
            if (perRequestReset) {
                pendingRequestEnds++;
            }
            if (!runDeferredWork() && perRequestReset) {
                history.deferred(stats);
            }
        }
    }

    /** An upgraded connection has no request boundaries: never reset it per request again. */
    public void disablePerRequestReset() {
        synchronized (this) {
            perRequestReset = false;
        }
    }

    /** The channel closed: destroy as soon as nothing is open. Idempotent. */
    public void connectionClosed() {
        synchronized (this) {
            if (destroyPending || destroyed) {
                return;
            }
            destroyPending = true;
            runDeferredWork();
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
            if (destroyed || !destroyPending || requestsRunning > 0 || openBuffers == 0 && holds.isEmpty()) {
                return 0;
            }
            holds.revokeAll("connection " + id + " (" + remote + ")", stats);
            int reclaimed = BufferHandle.staleAll(openHandles);
            openHandles = null;
            openBuffers = 0;
            if (kept != null) {
                kept.returned(); // its handle is stale now: the destroy gives the block back
            }
            stats.orphanedBuffersReclaimed.add(reclaimed);
            runDeferredWork();
            return reclaimed;
        }
    }

    /**
     * If no request ran since the last call and nothing is open, gives back everything but the
     * pool's node: the closed read buffer Undertow's last read left with the connection, and the
     * blocks retained across resets. An idle keep-alive connection then holds only its node.
     */
    void releaseRetainedIfIdle() {
        synchronized (this) {
            if (!destroyed && !destroyPending && requests == requestsAtLastSweep && requestsRunning == 0
                    && openBuffers == 0 && pendingRequestEnds == 0) {
                giveBackIdleMemory();
            }
            requestsAtLastSweep = requests;
        }
    }

    /** Keeps region memory past the request: see {@link RegionHold}. */
    public RegionHold hold(String what, Runnable onRevoke) {
        synchronized (this) {
            checkOpen();
            RegionHold hold = new RegionHold(this, what, onRevoke);
            holds.add(hold);
            return hold;
        }
    }

    /** {@code hold} was released (lock held): the reset may run now. */
    void holdReleased(RegionHold hold) {
        assert Thread.holdsLock(this) : "connection " + id + ": hold released without its lock";
        if (holds.remove(hold)) {
            runDeferredWork();
        }
    }

    /** Runs {@code cleanup} at the next reset or at destroy, whichever comes first. */
    public void addCleanup(Runnable cleanup) {
        synchronized (this) {
            checkOpen();
            pool.addCleanup(cleanup);
        }
    }

    /** Whole-body bytes taken (positive) or given up (negative) in pool memory and on disk. */
    public void accountBody(long inMemory, long onDisk) {
        synchronized (this) {
            bodyBytesInMemory += inMemory;
            bodyBytesOnDisk += onDisk;
        }
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Allocates scratch memory for the running request. */
    public ByteBuffer allocateFromPool(int size, boolean zeroed) {
        synchronized (this) {
            return allocateLocked(size, zeroed);
        }
    }

    /** Arena memory this connection holds: its pool's, and the kept buffer's (lock held). */
    private long bytesReserved() {
        return destroyed ? 0 : pool.bytesReserved() + (kept == null ? 0 : kept.bytes());
    }

    /** @throws ConnectionCapExceededException if {@code size} more bytes would pass the connection's cap */
    private void checkCap(int size) {
        if (bytesReserved() + size > maxBytes) {
            stats.connectionCapExceeded.increment();
            if (!capLogged) {
                capLogged = true;
                LOG.warning("connection " + id + " (" + remote + ") passed its cap of " + maxBytes
                        + " bytes (--connection-max-bytes): holding " + bytesReserved()
                        + ", asked for " + size + "; closing it");
            }
            throw new ConnectionCapExceededException(id, maxBytes, bytesReserved(), size);
        }
    }

    /** Takes the kept buffer's block from the arena, within the connection's cap (lock held). */
    private void takeKept() {
        checkCap(bufferSize);
        kept.take();
    }

    private ByteBuffer allocateLocked(int size, boolean zeroed) {
        assert Thread.holdsLock(this) : "connection " + id + ": allocation without its lock";
        checkOpen();
        checkCap(size);
        try {
            return zeroed ? pool.allocateZeroed(size) : pool.allocate(size);
        } catch (ArenaExhaustedException e) {
            stats.arenaRejections.increment();
            throw e;
        }
    }

    // ---- deferred reset / destroy ----

    /** Runs a pending destroy or reset if nothing is open; true if nothing was left waiting. */
    private boolean runDeferredWork() {
        assert Thread.holdsLock(this) : "connection " + id + ": deferred work without its lock";
        if (requestsRunning > 0 || !holds.isEmpty()) {
            return false;
        }
        if (destroyPending && !destroyed) {
            if (openBuffers > 0) {
                return false; // a destroy gives the node back: it waits for the head buffer too
            }
            history.coalesced(pendingRequestEnds, stats);
            pendingRequestEnds = 0;
            recycled.clear();
            destroyed = true;
            bodyBytesInMemory = 0;
            bodyBytesOnDisk = 0;
            PoolDestroyedEvent.emit(id, remote, System.currentTimeMillis() - createdMillis, requests,
                    history.resets(), history.coalesced(), pool.bytesReserved() + (kept == null ? 0 : kept.bytes()));
            try {
                if (kept != null) {
                    kept.release();
                }
                pool.destroy();
            } finally {
                stats.poolsDestroyed.increment();
                onDestroyed.run();
            }
            return true;
        }
        if (buffersAReset() > 0) {
            return false;
        }
        if (pendingRequestEnds > 0) {
            resetNow();
        }
        return true;
    }

    /**
     * Open buffers whose memory a reset would take back (lock held): all but the head buffer,
     * which lives in the node's kept bytes. Undertow keeps the head buffer open until its root
     * handler has returned, so a request answered inside it (most are) ends while the head
     * buffer is still out; its reset runs at once instead of waiting for that close. Pipelined
     * bytes in the head buffer stay where they are.
     */
    private int buffersAReset() {
        return headBufferOut ? openBuffers - 1 : openBuffers; // the kept buffer counts: Undertow may batch into it
    }

    private void resetNow() {
        assert Thread.holdsLock(this) : "connection " + id + ": reset without its lock";
        long bytesInUseBefore = pool.bytesInUse();
        int nodesBefore = pool.nodeCount();
        int largeBefore = pool.largeCount();
        int covered = pendingRequestEnds;
        recycled.clear();
        pendingRequestEnds = 0;
        try {
            pool.reset();
            if (requests == 1 && kept != null) {
                // The connection's first request may be its only one: an idle connection holds its
                // node alone from now on; its second request takes the buffer again, to keep.
                kept.release();
            }
        } finally {
            bodyBytesInMemory = 0;
            bodyBytesOnDisk = 0;
            history.reset(id, bytesInUseBefore, nodesBefore, largeBefore, covered, stats);
        }
    }

    /** Undertow closed {@code handle} (lock held): recycle its buffer, run what was waiting. */
    void bufferClosed(BufferHandle handle, ByteBuffer buffer) {
        assert Thread.holdsLock(this) : "connection " + id + ": buffer closed without its lock";
        if (openHandles == handle) {
            openHandles = handle.next();
        }
        handle.unlink();
        openBuffers--;
        assert openBuffers >= 0 : "connection " + id + " closed more buffers than it handed out";
        if (buffer == headBuffer) {
            headBufferOut = false;
        } else if (kept != null && kept.is(buffer)) {
            kept.returned();
        } else if (!destroyed && !destroyPending) {
            buffer.clear();
            recycled.addFirst(buffer);
        }
        runDeferredWork();
        if (requests == 0 && openBuffers == 0 && requestsRunning == 0 && !destroyed && !destroyPending) {
            // Undertow reads into a buffer before it knows whether bytes have come; a
            // connection that has not sent a request yet keeps only its node while it waits.
            giveBackIdleMemory();
        }
    }

    /** Nothing is open: everything but the node (and its head buffer) goes back (lock held). */
    private void giveBackIdleMemory() {
        recycled.clear();
        if (pool.bytesInUse() > pool.keptBytes()) {
            pool.reset(); // only closed buffers kept for reuse are in it
        }
        pool.releaseRetained();
        if (kept != null) {
            kept.release();
        }
    }

    private void checkOpen() {
        if (destroyed || destroyPending) {
            throw new IllegalStateException("connection " + id + " is closing: its pool "
                    + pool.name() + " takes no more allocations");
        }
    }

    // ---- inspection ----

    public long id() {
        return id;
    }

    /** One line per connection for the admin endpoint. */
    public ConnectionSummary summary() {
        synchronized (this) {
            return new ConnectionSummary(id, remote, System.currentTimeMillis() - createdMillis, requests,
                    history.resets(), history.coalesced(), pool.nodeCount(), pool.bytesInUse(), bytesReserved(),
                    destroyed ? 0 : pool.largeCount(), pool.largeBytes(),
                    openBuffers, pendingRequestEnds > 0, destroyed, resetPendingReason(), holds.size(),
                    bodyBytesInMemory, bodyBytesOnDisk);
        }
    }

    /** Why a pending reset waits, or null when none is pending (lock held). */
    private String resetPendingReason() {
        if (pendingRequestEnds == 0) {
            return null;
        }
        if (requestsRunning > 0) {
            return "a request is running";
        }
        if (buffersAReset() > 0) {
            return "Undertow holds " + buffersAReset() + " buffer(s)";
        }
        if (!holds.isEmpty()) {
            return holds.describe();
        }
        return "running";
    }

    /** The connection in detail: its pool's nodes and large entries, and recent resets. */
    public ConnectionDetail detail() {
        synchronized (this) {
            return new ConnectionDetail(summary(), destroyed ? null : pool.stats(), history.snapshot());
        }
    }
}
