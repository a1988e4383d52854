package io.mpool.server.connection;

import io.mpool.mempool.ArenaBlock;
import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.mempool.PageArena;
import io.mpool.server.stats.ServerStats;
import java.nio.ByteBuffer;

/**
 * Undertow's buffers of one connection: the connection tier of its memory, as nginx keeps a
 * connection's buffers in the connection's pool and a request's memory in the request's pool.
 *
 * <p>The buffers Undertow takes with {@code ByteBufferPool.allocate()} belong to objects that live
 * as long as the connection, not to one request: the read buffer that holds the bytes of a
 * pipelined next request, the buffer the response conduit keeps while more pipelined requests
 * follow, the batch of pipelined responses, and (Undertow 2.3 and 2.4) the response conduit's buffer that is
 * abandoned when the connection switches to batching, held until the connection closes. Under
 * steady pipelining one of them is always open: if they lived in the request's pool, its reset
 * could never run. So each is a block of its own, taken from the arena; a reset neither waits for
 * them nor touches them, and the request's pool holds only what the request's handlers took.
 *
 * <p>A block Undertow closes stays with the connection for its next {@code allocate()} (at most
 * {@link #FREE_MAX}; more go back to the arena at once). The free ones go back to the arena when
 * the connection goes idle (the sweep), after its first request (which may be its only one) and at
 * destroy; a block still out then is taken back by the connection's close
 * ({@link ConnectionBufferPool#reclaimOrphanedBuffers()}).
 *
 * <p>Guarded by the owning {@link ConnectionBufferPool}'s lock.
 */
final class ConnectionBuffers {
    /**
     * Free blocks kept for the connection's next buffers: what one request of a pipelining client
     * has out at once (a read buffer, the response conduit's, the batch of responses, a body read).
     */
    static final int FREE_MAX = 4;

    private final PageArena arena;
    /** Whom the arena books the blocks to (the connection's pool, so its scrub skips memory it had). */
    private final Object owner;
    private final int size;
    private final ServerStats stats;
    /** How many free blocks are kept for the next {@link #handOut}: {@link #FREE_MAX} unless {@link #keepFree} said. */
    private int freeMax = FREE_MAX;
    /**
     * The free block the next {@link #handOut} takes, and its view, or null: kept in this object
     * so that a connection with one buffer out at a time (a keep-alive request's response) touches
     * neither the array nor the block per request, two cold cache lines when a thousand
     * connections take turns.
     */
    private ArenaBlock ready;
    private ByteBuffer readyView;
    /** Free blocks past {@link #ready}; null while there are none (an idle connection holds no array either). */
    private ArenaBlock[] free;
    private int freeCount;
    private int outCount;
    private long bytes;

    ConnectionBuffers(PageArena arena, Object owner, int size, ServerStats stats) {
        this.arena = arena;
        this.owner = owner;
        this.size = size;
        this.stats = stats;
    }

    /**
     * Blocks booked to this tier itself: for a tier that outlives the pool of its connection (the
     * TLS engine's, kept while an idle connection drops its emptied pool), so that neither the tier
     * nor the arena's free blocks it gave back keep that pool alive.
     */
    ConnectionBuffers(PageArena arena, int size, ServerStats stats) {
        this.arena = arena;
        this.owner = this;
        this.size = size;
        this.stats = stats;
    }

    /**
     * Keeps at most {@code max} free blocks from now on (0: a block given back goes to the arena at
     * once); free blocks past it go back to the arena now.
     */
    void keepFree(int max) {
        if (max < 0 || max > FREE_MAX) {
            throw new IllegalArgumentException("max=" + max + " (expected: 0.." + FREE_MAX + " free blocks)");
        }
        freeMax = max;
        while (freeCount > 0 && freeCount + 1 > max) {
            freeCount--;
            releaseToArena(free[freeCount]);
            free[freeCount] = null;
        }
        if (max == 0 && ready != null) {
            releaseToArena(ready);
            ready = null;
            readyView = null;
        }
    }

    /** Whether a block given back is kept for the next {@link #handOut} (not: {@code keepFree(0)}). */
    boolean keepsFree() {
        return freeMax > 0;
    }

    /** Bytes in each buffer handed out. */
    int size() {
        return size;
    }

    /** Whether a block is ready for the next {@link #handOut}, without asking the arena. */
    boolean hasFree() {
        return ready != null || freeCount > 0;
    }

    /** Blocks Undertow holds. */
    int out() {
        return outCount;
    }

    /** Arena bytes held, out and free. */
    long bytes() {
        return bytes;
    }

    /**
     * Makes sure the next {@link #handOut} needs no arena: takes a block now unless one is free,
     * as the {@link #ready} one (no free-block array for a connection that has one buffer out at
     * a time).
     *
     * @throws ArenaExhaustedException when the arena cannot give it (counted as an arena rejection)
     */
    void reserveOne() {
        if (!hasFree()) {
            ready = takeFromArena();
            readyView = ready.ownerView(size);
        }
    }

    /**
     * A buffer for Undertow, cleared, linked in front of {@code next} in the connection's list of
     * open handles: a free block, or a new one from the arena.
     *
     * @throws ArenaExhaustedException when no block is free and the arena cannot give one
     */
    BufferHandle handOut(BufferLending connection, BufferHandle next) {
        ArenaBlock block = ready;
        ByteBuffer view;
        if (block != null) {
            view = readyView;
            ready = null;
            readyView = null;
        } else {
            if (freeCount > 0) {
                freeCount--;
                block = free[freeCount];
                free[freeCount] = null;
            } else {
                block = takeFromArena();
            }
            view = block.ownerView(size);
        }
        // A view of its own for every holder: Undertow keeps buffers it closed (its response
        // conduit's gather array holds the last response's buffer until its next write) and has
        // been caught changing one's position and limit after the block had a new holder (an IO
        // thread spinning on a request body: its buffer showed no room). A duplicate per hand-out
        // keeps every holder's position and limit its own; the memory is the block's either way.
        view = view.duplicate().clear();
        outCount++;
        return new BufferHandle(connection, view, block, this, next);
    }

    /**
     * Undertow closed {@code view}, the buffer of {@code block} (or its handle was taken back at
     * close): the block is kept for the next {@link #handOut} while fewer than the most are free.
     */
    void giveBack(ArenaBlock block, ByteBuffer view) {
        outCount--;
        assert outCount >= 0 : "more connection buffers given back than handed out: " + block;
        if (ready == null && freeMax > 0) {
            arena.poisonKept(block); // in poison mode: a holder that goes on using it shows the pattern
            ready = block;
            readyView = view;
        } else if (freeCount + 1 < freeMax) {
            arena.poisonKept(block);
            push(block);
        } else {
            releaseToArena(block);
        }
    }

    /** Gives every free block back to the arena; returns the bytes given back. */
    long releaseFree() {
        long released = 0;
        if (ready != null) {
            released += ready.capacity();
            releaseToArena(ready);
            ready = null;
            readyView = null;
        }
        while (freeCount > 0) {
            freeCount--;
            released += free[freeCount].capacity();
            releaseToArena(free[freeCount]);
        }
        free = null;
        return released;
    }

    private void push(ArenaBlock block) {
        if (free == null) {
            free = new ArenaBlock[FREE_MAX];
        }
        free[freeCount] = block;
        freeCount++;
    }

    private ArenaBlock takeFromArena() {
        ArenaBlock block;
        try {
            block = arena.takeLarge(size, owner);
        } catch (ArenaExhaustedException e) {
            stats.arenaRejected();
            throw e;
        }
        bytes += block.capacity();
        return block;
    }

    private void releaseToArena(ArenaBlock block) {
        bytes -= block.capacity();
        arena.release(block, owner);
    }
}
