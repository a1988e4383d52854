package io.mpool.server.connection;

import io.mpool.mempool.ArenaBlock;
import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.mempool.PageArena;
import java.nio.ByteBuffer;

/**
 * The full-size buffer a connection keeps from one request to the next, as nginx keeps a
 * connection's buffers in the connection's pool while each request's memory lives in the request's
 * pool. The connection's {@link io.mpool.mempool.MpPool} is its request pool: a reset gives back
 * every large block it handed out, and a keep-alive request would take the same block again at
 * once. This block is taken from the arena at request start instead, serves the first full-size
 * allocation of every request, is left alone by resets (except the first request's: a connection
 * that served one request may serve no other, so it holds its node alone until a second request
 * takes the block again) and goes back to the arena when the connection goes idle (the sweep) or
 * closes. A request touches none of the pool's large bookkeeping for it.
 *
 * <p>Guarded by the owning {@link ConnectionBufferPool}'s lock.
 */
final class KeptBuffer {
    private final PageArena arena;
    /** Whom the arena books the block to (the pool, so that its scrub skips memory it had). */
    private final Object owner;
    private final int size;
    private final ServerStats stats;
    private ArenaBlock block;
    private ByteBuffer view;
    private boolean out;

    KeptBuffer(PageArena arena, Object owner, int size, ServerStats stats) {
        this.arena = arena;
        this.owner = owner;
        this.size = size;
        this.stats = stats;
    }

    /** True while the connection holds the block (handed out or not). */
    boolean held() {
        return block != null;
    }

    /** True while Undertow holds the buffer. */
    boolean out() {
        return out;
    }

    /**
     * Takes the block from the arena unless it is held already.
     *
     * @throws ArenaExhaustedException when the arena cannot give it (counted as an arena rejection)
     */
    void take() {
        if (block == null) {
            try {
                block = arena.takeLarge(size, owner);
            } catch (ArenaExhaustedException e) {
                stats.arenaRejections.increment();
                throw e;
            }
            view = block.buffer().limit(size).slice();
        }
    }

    /** The buffer, cleared, now out. */
    ByteBuffer handOut() {
        out = true;
        return view.clear();
    }

    /** Whether {@code buffer} is this connection's kept buffer. */
    boolean is(ByteBuffer buffer) {
        return buffer == view && view != null;
    }

    /** Undertow closed it (or its handle was taken back as an orphan). */
    void returned() {
        out = false;
    }

    /** Gives the block back to the arena if it is held and not out; returns the bytes given back. */
    long release() {
        if (block == null || out) {
            return 0;
        }
        long bytes = block.capacity();
        arena.release(block, owner);
        block = null;
        view = null;
        return bytes;
    }

    /** Arena bytes held for it. */
    long bytes() {
        return block == null ? 0 : block.capacity();
    }
}
