package io.mpool.server.connection;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.mempool.MpPool;
import io.mpool.server.stats.ServerStats;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import java.nio.ByteBuffer;

/**
 * The lending of one connection's buffers to Undertow: its {@link ByteBufferPool}, and what is out
 * on loan. Between requests Undertow reads a head into the head buffer (the first bytes of the
 * pool's node, kept by every reset); otherwise it gets a connection buffer ({@link
 * ConnectionBuffers}: a block of its own each, reused from one request to the next) or, for the TLS
 * engine, a packet buffer ({@link TlsPacketBuffers}). After the arena refused a running request,
 * the few buffers its 503 needs come from the heap.
 *
 * <p>Every buffer lent is tracked by its {@link BufferHandle} in a list of open handles, so that
 * the close can take back what Undertow never gives back; a stale handle throws instead of
 * reaching memory that a reset or another request now owns.
 *
 * <p>It is a superclass of {@link ConnectionBufferPool} (as {@link PoolLifecycle} is of it), not an
 * object the pool holds: an idle connection pays for no object header and no reference. Guarded by
 * the pool's lock, which is this object.
 */
abstract class BufferLending extends PoolLifecycle implements ByteBufferPool {
    /**
     * The buffer request heads are read into, at the start of the pool's node while the connection
     * is not idle (nginx: a 1 KB {@code client_header_buffer_size} buffer); a larger head takes more
     * reads. Only when Undertow's buffers are larger than it; else heads go into connection buffers.
     */
    static final int HEAD_BUFFER_SIZE = 2048;
    private static final byte NOT_REFUSED = -1;
    private static final byte MAX_REFUSAL_BUFFERS = 4;

    /** The connection: told of refusals; asked for its id and its listener's registry. */
    final PoolOwner owner;
    /** Handed out for reads while no request runs (the next head), kept across resets; null while idle. */
    private ByteBuffer headBuffer;
    private boolean headBufferOut;
    /** Undertow's buffers but the head buffer: the connection tier; null while idle ({@link #buffers()}). */
    private ConnectionBuffers buffers;
    /** The TLS engine's packet buffers, a second size class of the connection tier; null without TLS. */
    private TlsPacketBuffers tls;
    /** Handles Undertow holds, newest first (an intrusive list: no allocation per buffer). */
    private BufferHandle openHandles;
    /** Heap buffers left for the 503 after a refusal mid-request ({@link #refuseArena()}), or NOT_REFUSED. */
    private byte refusalBuffersLeft = NOT_REFUSED;

    BufferLending(PoolOwner owner) {
        this.owner = owner;
    }

    /** The listener's arena, sizes and cap. */
    final ConnectionRegistry registry() {
        return owner.registry();
    }

    @Override
    final ServerStats stats() {
        return registry().stats();
    }

    /** The request tier, made again after an idle spell (lock held): the head buffer is the start of its node. */
    abstract MpPool pool();

    /** Whether the connection serves HTTP/2 (no head buffer: streams read their own frames). */
    abstract boolean servesStreams();

    /** @throws ConnectionCapExceededException if {@code size} more bytes would pass the connection's cap (lock held) */
    abstract void checkCap(int size);

    /** @throws IllegalStateException once the connection is closing (lock held) */
    abstract void checkOpen();

    /** Takes the head buffer from a new pool's node, if heads have a buffer of their own (lock held). */
    final void takeHeadBuffer(MpPool pool) {
        headBuffer = getBufferSize() > HEAD_BUFFER_SIZE ? pool.allocateKept(HEAD_BUFFER_SIZE) : null;
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
    public final PooledByteBuffer allocate() {
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
                if (requestsRunning() == 0 && getBufferSize() > HEAD_BUFFER_SIZE && !headBufferOut && !servesStreams()) {
                    if (headBuffer == null) {
                        headBuffer = pool().allocateKept(HEAD_BUFFER_SIZE); // the node went back while idle
                    }
                    headBufferOut = true; // between requests Undertow allocates only to read a head
                    // A view of its own per hand-out, as for blocks (ConnectionBuffers.handOut): Undertow
                    // may keep a closed buffer and touch its position and limit later.
                    openHandles = new BufferHandle(this, headBuffer.duplicate().clear(), null, null, openHandles);
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
    public final void refuseArena() {
        synchronized (this) {
            if (refusalBuffersLeft == NOT_REFUSED) {
                refusalBuffersLeft = MAX_REFUSAL_BUFFERS;
            }
        }
    }

    /** Whether the arena refused this connection mid-request: its buffers come from the heap (lock held). */
    final boolean arenaRefused() {
        return refusalBuffersLeft != NOT_REFUSED;
    }

    @Override
    public final ByteBufferPool getArrayBackedPool() {
        return registry().arrayBacked(); // Undertow calls .array() on these: heap buffers, not ours
    }

    @Override
    public final void close() {
        // The connection's close listener, not Undertow, ends this pool (see connectionClosed).
    }

    @Override
    public final int getBufferSize() {
        return registry().bufferSize();
    }

    @Override
    public final boolean isDirect() {
        return true;
    }

    // ---- the TLS engine's packet buffers ----

    /**
     * The buffer pool of this connection's TLS engine: blocks of {@code packetSize} bytes, taken
     * from the arena for this connection ({@link TlsPacketBuffers}). Called once, at accept.
     */
    public final TlsPacketBuffers tlsPacketBuffers(int packetSize) {
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
    final PooledByteBuffer allocateTlsPacketBuffer() {
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

    /** The TLS packet buffers, or null on a plain connection. */
    final TlsPacketBuffers tls() {
        return tls;
    }

    // ---- what comes back ----

    /** Undertow closed {@code handle} on {@code buffer} (lock held): its block is free for the connection's next buffer. */
    final void bufferClosed(BufferHandle handle, ByteBuffer buffer) {
        assert Thread.holdsLock(this) : "connection " + id() + ": buffer closed without its lock";
        openHandles = handle.unlink(openHandles);
        boolean head = handle.block() == null;
        handle.giveBackBlock(buffer); // none to give back for the head buffer
        ConnectionRegistry registry = registry();
        if (head && headBuffer != null) {
            registry.arena().poisonKept(headBuffer); // poison mode only: a stale holder shows the pattern
        }
        watchGivenBack(registry, buffer);
        headBufferOut &= !head;
        bufferReturned();
        if (requests() == 0 && openBuffers() == 0 && !isClosing()) {
            // Undertow reads into a buffer before it knows whether bytes have come; a
            // connection that has not sent a request yet keeps only its node while it waits.
            giveBackIdleMemory(false);
        }
    }

    /**
     * Takes back every buffer Undertow still holds (lock held): their handles turn stale (any later
     * use throws instead of reaching memory), their blocks go back to their tiers.
     *
     * @return the number of buffers taken back
     */
    final int takeBackOpenBuffers() {
        int reclaimed = 0;
        for (BufferHandle handle = openHandles; handle != null; handle = handle.next()) {
            ByteBuffer buffer = handle.takeBack(); // stale from now on: any later use throws
            if (buffer != null) {
                handle.giveBackBlock(buffer); // the destroy gives the block back
                watchGivenBack(registry(), buffer);
            }
            reclaimed++;
        }
        openHandles = null;
        headBufferOut = false;
        return reclaimed;
    }

    /** Paranoid mode: {@code buffer}, given back, is watched for a holder that goes on using it ({@link StaleViewWatch}). */
    private void watchGivenBack(ConnectionRegistry registry, ByteBuffer buffer) {
        StaleViewWatch watch = registry.staleViews();
        if (watch != null) {
            watch.givenBack(buffer, id(), System.nanoTime());
        }
    }

    /** Nothing is open: all but the node goes back; {@code idle}: the TLS tier's bookkeeping too (lock held). */
    final void giveBackIdleMemory(boolean idle) {
        MpPool request = requestTierIfAny();
        if (request != null) {
            request.releaseCached();
        }
        if (buffers != null) {
            buffers.releaseFree();
        }
        if (tls != null) {
            tls.releaseFree(idle);
        }
    }

    /** The request tier as it is, null while idle (lock held). */
    abstract MpPool requestTierIfAny();

    /** The connection went idle, nothing open: the tier is dropped; {@code nodeGone}: the head buffer with its node. */
    final void dropIdleBuffers(boolean nodeGone) {
        buffers = null; // none is out (nothing is open): the next request makes the tier again
        if (nodeGone) {
            headBuffer = null; // the next read takes a node again, for a new head buffer
        }
    }

    /** The connection's first request ended (it may be its only one): its free buffers go back (lock held). */
    final void releaseFreeBuffers() {
        if (buffers != null) {
            buffers.releaseFree();
        }
    }

    /** The destroy: every free block goes back; none may be out (lock held). */
    final void releaseBuffersAtDestroy() {
        if (buffers != null) {
            assert buffers.out() == 0 : "connection " + id() + " destroyed with " + buffers.out() + " buffers out";
            buffers.releaseFree();
        }
        if (tls != null) {
            tls.releaseFree(true);
        }
    }

    /** Arena bytes the connection tier holds, out and free, TLS packet buffers included (lock held). */
    final long lentBytes() {
        return (buffers == null ? 0 : buffers.bytes()) + (tls == null ? 0 : tls.bytes());
    }

    /** Whether the next response buffer needs the arena (lock held). */
    final boolean needsBufferFromArena() {
        return !buffers().hasFree();
    }

    /** Takes the next response buffer's block now (lock held): see {@link ConnectionBuffers#reserveOne()}. */
    final void reserveResponseBuffer() {
        buffers.reserveOne();
    }

    /** The connection tier, made again after an idle spell (lock held). */
    private ConnectionBuffers buffers() {
        if (buffers == null) {
            buffers = new ConnectionBuffers(registry().arena(), pool(), getBufferSize(), stats());
        }
        return buffers;
    }

    public final long id() {
        return owner.id();
    }
}
