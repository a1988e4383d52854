package io.mpool.server.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.mpool.mempool.ArenaLeakCheck;
import io.mpool.mempool.DebugOptions;
import io.mpool.mempool.PageArena;
import io.mpool.server.stats.ServerStats;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.DefaultByteBufferPool;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Paranoid mode watches buffers given back: a holder that changes one after Undertow closed it,
 * or after the connection took it back at its close, is caught by the next sweep; a buffer left
 * alone is forgotten after the watch.
 */
class StaleViewWatchTest {
    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    private final ServerStats stats = new ServerStats();

    private ConnectionRegistry registry(boolean paranoid) {
        PageArena arena = leaks.track(PageArena.builder().maxBytes(1 << 20)
                .debug(DebugOptions.NONE.withParanoid(paranoid)).build());
        return new ConnectionRegistry(arena, 16384, 1 << 20, new DefaultByteBufferPool(false, 16384, -1, 4), stats);
    }

    @Test
    void aBufferChangedAfterUndertowClosedItIsCaughtByTheNextSweep() {
        ConnectionRegistry registry = registry(true);
        ConnectionBufferPool connection = registry.openPool("test", () -> { });
        PooledByteBuffer head = connection.allocate();
        connection.requestStarted();
        PooledByteBuffer response = connection.allocate();
        ByteBuffer stale = response.getBuffer();
        response.close();
        connection.requestEnded();
        head.close();
        long now = System.nanoTime();
        registry.sweep(now);
        assertEquals(0, registry.staleViews().changed(), "nothing changed yet");
        stale.flip(); // what the read listener did to a buffer taken back under it: limit 0
        registry.sweep(now + 1);
        assertEquals(1, registry.staleViews().changed());
        connection.connectionClosed();
    }

    @Test
    void aBufferTakenBackAtTheCloseIsWatchedToo() {
        ConnectionRegistry registry = registry(true);
        ConnectionBufferPool connection = registry.openPool("test", () -> { });
        PooledByteBuffer head = connection.allocate(); // Undertow's read, still out when the connection closes
        ByteBuffer stale = head.getBuffer();
        connection.connectionClosed();
        assertEquals(1, connection.reclaimOrphanedBuffers());
        stale.flip();
        registry.sweep(System.nanoTime());
        assertEquals(1, registry.staleViews().changed());
    }

    @Test
    void aBufferLeftAloneIsForgottenAfterTheWatch() {
        ConnectionRegistry registry = registry(true);
        ConnectionBufferPool connection = registry.openPool("test", () -> { });
        PooledByteBuffer head = connection.allocate();
        head.close();
        long now = System.nanoTime();
        assertEquals(1, registry.staleViews().watching());
        registry.sweep(now + StaleViewWatch.WATCH_NANOS + 1);
        assertEquals(0, registry.staleViews().watching());
        assertEquals(0, registry.staleViews().changed());
        connection.connectionClosed();
    }

    @Test
    void withoutParanoidModeNothingIsWatched() {
        assertNull(registry(false).staleViews());
    }
}
