package io.mpool.server.connection;

import io.mpool.mempool.ArenaBlock;
import io.undertow.connector.PooledByteBuffer;
import java.nio.ByteBuffer;

/**
 * Undertow's handle on one buffer lent by a connection ({@link BufferLending}), and a link in that pool's list
 * of open handles (so the pool can take them back when Undertow leaves them open at close).
 *
 * <p>Ownership: Undertow owns the buffer from {@code allocate()} until it calls {@link #close()};
 * after that, or after the pool took the buffer back, {@link #getBuffer()} throws, so a stale
 * handle never reaches memory that a reset or another request now owns. {@code close()} is
 * idempotent: a second close cannot put the buffer on the free list twice. Every field is guarded
 * by the pool's monitor ({@link #getBuffer()} reads without it: only the thread that owns the
 * handle calls it).
 */
final class BufferHandle implements PooledByteBuffer {
    private final BufferLending pool;
    /** Null once closed or taken back: the handle is stale. */
    private ByteBuffer buffer;
    /** The connection-tier block behind the buffer ({@link ConnectionBuffers}); null for the head buffer. */
    private final ArenaBlock block;
    /** The blocks {@link #block} came from and goes back to; null for the head buffer. */
    private final ConnectionBuffers tier;
    /** The next older open handle: the list is singly linked, so a handle is five references and its header (32 B). */
    private BufferHandle next;

    /**
     * A handle on {@code buffer} (of {@code block} of {@code tier}, or null, null for the head
     * buffer), linked in front of {@code next} (lock held).
     */
    BufferHandle(BufferLending pool, ByteBuffer buffer, ArenaBlock block, ConnectionBuffers tier,
                 BufferHandle next) {
        this.pool = pool;
        this.buffer = buffer;
        this.block = block;
        this.tier = tier;
        this.next = next;
    }

    BufferHandle next() {
        return next;
    }

    /**
     * Takes this handle out of the list that starts at {@code first} (lock held), walking it from
     * its newest handle: a connection has a few open at most, and the one closed is nearly always
     * the newest.
     *
     * @return the list's first handle afterwards
     */
    BufferHandle unlink(BufferHandle first) {
        BufferHandle rest = next;
        next = null;
        if (first == this) {
            return rest;
        }
        for (BufferHandle handle = first; handle != null; handle = handle.next) {
            if (handle.next == this) {
                handle.next = rest;
                break;
            }
        }
        return first;
    }

    ArenaBlock block() {
        return block;
    }

    /**
     * Gives the block back to the blocks it came from, with {@code view}, the buffer this handle
     * held (lock held); nothing for the head buffer.
     */
    void giveBackBlock(ByteBuffer view) {
        if (tier != null) {
            tier.giveBack(block, view);
        }
    }

    /**
     * Makes this handle stale without closing it (lock held): the pool took its buffer back.
     *
     * @return the buffer it held, or null if it was stale already
     */
    ByteBuffer takeBack() {
        ByteBuffer current = buffer;
        buffer = null;
        return current;
    }

    @Override
    public ByteBuffer getBuffer() {
        ByteBuffer current = buffer;
        if (current == null) {
            throw new IllegalStateException("buffer of connection " + pool.id() + " used after close");
        }
        return current;
    }

    @Override
    public void close() {
        synchronized (pool) {
            ByteBuffer current = buffer;
            if (current == null) {
                return; // idempotent: a second close must not free the buffer twice
            }
            buffer = null;
            pool.bufferClosed(this, current);
        }
    }

    @Override
    public boolean isOpen() {
        return buffer != null;
    }

    @Override
    public String toString() {
        return "PooledByteBuffer[connection=" + pool.id() + " open=" + isOpen() + "]";
    }
}
