package io.mpool.server;

import io.mpool.server.connection.Region;
import io.mpool.server.connection.RegionHold;
import io.undertow.server.HttpServerExchange;
import java.nio.ByteBuffer;

/**
 * Scratch memory for application code, valid for the current request only.
 *
 * <p>A handler gets it with {@link #of(HttpServerExchange)} and allocates from the connection's
 * pool while its request runs (on HTTP/2, from its stream's own pool, destroyed when the stream
 * ends); everything is freed by the reset that follows the request, so handlers never free. A
 * buffer taken here must not be kept past the request (it is reused by the next one). With the
 * {@code UNDERTOW} pool kind ({@code --pool undertow}) there is no connection pool and allocations come from the heap, so the
 * same handlers run on both servers.
 */
public final class RequestRegion {
    private final Region connection;

    private RequestRegion(Region connection) {
        this.connection = connection;
    }

    /**
     * The region of the exchange's connection (of its stream on HTTP/2), or null when the server runs without pools. Found
     * through the connection's buffer pool, not an exchange attachment: an attachment makes every
     * one of Undertow's own attachment lookups on the exchange probe a map (7.7% of CPU samples
     * on 1 KB echo).
     */
    public static RequestRegion of(HttpServerExchange exchange) {
        return exchange.getConnection().getByteBufferPool() instanceof Region region ? new RequestRegion(region) : null;
    }

    /** {@code size} bytes from the region, or from the heap when there is no region. */
    public static ByteBuffer allocate(HttpServerExchange exchange, int size) {
        return exchange.getConnection().getByteBufferPool() instanceof Region region
                ? region.allocateFromPool(size, false) : ByteBuffer.allocate(size);
    }

    /** {@code size} bytes (position 0, limit size) from the connection's pool. */
    public ByteBuffer allocate(int size) {
        return connection.allocateFromPool(size, false);
    }

    /** {@code size} zeroed bytes from the connection's pool. */
    public ByteBuffer allocateZeroed(int size) {
        return connection.allocateFromPool(size, true);
    }

    /**
     * Runs {@code cleanup} when the region is reset or its connection destroyed, whichever comes
     * first (nginx's pool cleanup): a temp file of the request, say. It runs under the connection's
     * lock, on whichever thread resets: it must be short and must not throw.
     */
    public void addCleanup(Runnable cleanup) {
        connection.addCleanup(cleanup);
    }

    /**
     * Keeps this request's region memory past the request's end: the next reset waits for
     * {@link RegionHold#release()}. {@code what} names the holder on the admin view
     * ({@code resetPendingReason}); {@code onRevoke} runs if the connection closes first.
     *
     * @throws IllegalStateException when the connection is already closing
     */
    RegionHold hold(String what, Runnable onRevoke) {
        return connection.hold(what, onRevoke);
    }

    /** Counts whole-body bytes this request took (or gave up) in pool memory and on disk, for the admin view. */
    void accountBody(long inMemory, long onDisk) {
        connection.accountBody(inMemory, onDisk);
    }

    /** The most pool memory the connection may hold (--connection-max-bytes). */
    public long connectionMaxBytes() {
        return connection.maxBytes();
    }

    /** The id of the connection this region belongs to. */
    public long connectionId() {
        return connection.id();
    }
}
