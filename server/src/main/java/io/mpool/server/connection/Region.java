package io.mpool.server.connection;

import java.nio.ByteBuffer;

/**
 * Where a running request's memory comes from: the connection's request region on HTTP/1.1
 * ({@link ConnectionBufferPool}, reset when the request ends) or the stream's own region on HTTP/2
 * ({@link StreamRegion}, destroyed when the stream ends). What {@code RequestRegion} and
 * {@code RequestBody} use, whichever protocol the request came on.
 */
public interface Region {
    /** The id of the connection the region belongs to. */
    long id();

    /**
     * {@code size} bytes (zeroed if asked) valid until the region is reset or destroyed.
     *
     * @throws ConnectionCapExceededException when the connection would pass its cap
     * @throws io.mpool.mempool.ArenaExhaustedException when the arena is at its bound
     */
    ByteBuffer allocateFromPool(int size, boolean zeroed);

    /** Runs {@code cleanup} when the region is reset or destroyed. */
    void addCleanup(Runnable cleanup);

    /** Keeps the region's memory past its request until the hold's release: see {@link RegionHold}. */
    RegionHold hold(String what, Runnable onRevoke);

    /** Whole-body bytes taken (positive) or given up (negative) in pool memory and on disk. */
    void accountBody(long inMemory, long onDisk);

    /** The most memory the connection, with all its requests or streams, may hold. */
    long maxBytes();
}
