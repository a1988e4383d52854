package io.mpool.server.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import io.mpool.mempool.ArenaLeakCheck;
import io.mpool.mempool.DebugOptions;
import io.mpool.mempool.PageArena;
import io.mpool.server.stats.ServerStats;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.DefaultByteBufferPool;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a connection's set-up and a request's buffers cost the heap, counted with the thread's
 * allocated-bytes counter (a count, not a timing) against an object of the expected class made
 * alone in the same JVM, so no object size is written down here. Each figure is the smallest of
 * many rounds: a one-off (a class loaded, a counter cell) is not what a connection costs.
 */
class ConnectionAllocationTest {
    private static final int ROUNDS = 200;
    private static final int BUFFER_SIZE = 16384;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    /** No leak sites or paranoid checks: they allocate on every take, which is what is counted here. */
    private final PageArena arena = leaks.track(PageArena.builder().maxBytes(8 << 20).debug(DebugOptions.NONE).build());
    private final ServerStats stats = new ServerStats();
    private final ConnectionRegistry registry = new ConnectionRegistry(arena, BUFFER_SIZE, 1 << 20,
            new DefaultByteBufferPool(false, BUFFER_SIZE, -1, 4), stats);
    private final ThreadMXBean threads = allocationCounter();
    /** Where a measured object is put, so that it escapes and is really allocated. */
    private Object kept;

    @Test
    void aConnectionsFirstRequestMakesItsBufferTierAndNoFreeBlockArray() {
        long started = Long.MAX_VALUE;
        long tier = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            ConnectionBufferPool connection = registry.openPool("test", () -> { });
            started = Math.min(started, bytes(() -> {
                connection.requestStarted(); // reserves the response's block
                return connection;
            }));
            tier = Math.min(tier, bytes(() -> new ConnectionBuffers(arena, this, BUFFER_SIZE, stats)));
            PooledByteBuffer response = connection.allocate();
            response.close();
            connection.requestEnded();
            connection.connectionClosed();
        }
        assertEquals(tier, started, "requestStarted on a new connection: its connection tier alone ("
                + tier + " B), the reserved block kept at hand, not in an array");
    }

    @Test
    void everyBufferUndertowTakesCostsItsOwnHandleAndItsOwnView() {
        long head = Long.MAX_VALUE;
        long response = Long.MAX_VALUE;
        long handle = Long.MAX_VALUE;
        long view = Long.MAX_VALUE;
        ByteBuffer direct = ByteBuffer.allocateDirect(64);
        for (int round = 0; round < ROUNDS; round++) {
            view = Math.min(view, bytes(direct::duplicate));
            ConnectionBufferPool connection = registry.openPool("test", () -> { });
            PooledByteBuffer[] out = new PooledByteBuffer[1];
            head = Math.min(head, bytes(() -> out[0] = connection.allocate()));
            out[0].close();
            connection.requestStarted();
            response = Math.min(response, bytes(() -> out[0] = connection.allocate()));
            PooledByteBuffer first = out[0];
            first.close();
            PooledByteBuffer second = connection.allocate(); // the same block and view again
            assertNotSame(first, second, "a handle is never handed out twice");
            IllegalStateException stale = assertThrows(IllegalStateException.class, first::getBuffer);
            assertTrue(stale.getMessage().contains("used after close"), stale.getMessage());
            second.close();
            connection.requestEnded();
            connection.connectionClosed();
            handle = Math.min(handle, bytes(() -> new BufferHandle(connection, EMPTY, null, null, null)));
        }
        // A view per hand-out: Undertow keeps closed buffers (its response conduit's gather array)
        // and a view shared with the next holder let a stale one change that holder's limit.
        assertEquals(handle + view, head, "the head buffer: one handle (" + handle + " B) and a view (" + view + " B)");
        assertEquals(handle + view, response, "a response buffer: one handle and a view");
    }

    @Test
    void aHandleIsFiveReferencesWithNoBackLink() {
        ConnectionBufferPool connection = registry.openPool("test", () -> { });
        long handle = Long.MAX_VALUE;
        long five = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            handle = Math.min(handle, bytes(() -> new BufferHandle(connection, EMPTY, null, null, null)));
            five = Math.min(five, bytes(FiveReferences::new));
        }
        connection.connectionClosed();
        assertEquals(five, handle, "a handle per buffer Undertow takes: pool, buffer, block, tier and one link");
    }

    /** The layout a {@link BufferHandle} should have. */
    @SuppressWarnings("unused")
    private static final class FiveReferences {
        private Object pool;
        private Object buffer;
        private Object block;
        private Object tier;
        private Object next;
    }

    /** Bytes the calling thread allocated while {@code action} ran (its result is kept: it escapes). */
    private long bytes(Supplier<Object> action) {
        long before = threads.getCurrentThreadAllocatedBytes();
        kept = action.get();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    private static ThreadMXBean allocationCounter() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof ThreadMXBean, "no allocation counter on this JVM");
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "allocation counting disabled");
        return threads;
    }
}
