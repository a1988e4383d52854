package io.mpool.server.admin;

import io.mpool.server.config.ConnectionLimits;
import io.mpool.server.config.RequestLimits;
import io.mpool.server.connection.ConnectionRegistry;
import io.mpool.server.connection.Listener;
import io.mpool.server.stats.ServerStats;
import io.mpool.server.transport.HttpConnections;
import io.mpool.server.transport.RefusalLog;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.HttpHandler;
import java.io.Closeable;
import java.io.IOException;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * The admin listener: connections set up as the main listener's are ({@link Listener}, the same
 * framing check, the same read, write, parse and idle timeouts, checked by the server's one
 * sweep), with settings of its own: at most {@link #MAX_CONNECTIONS} at once (a half-sent admin
 * request needs no token: 700 of them under a low fd limit once kept the main port refusing),
 * bodies of at most {@link #MAX_BODY_BYTES}, the heap buffer pool rather than the arena (a busy
 * admin client never takes memory from the main listener's connections), no pipelining batch, and
 * an XNIO worker of its own (one IO thread, {@code mpool-admin I/O-1}), so building a page of 5,000
 * connections never holds up a main IO thread (it did: a client looping on {@code /admin/pools}
 * moved {@code /hello}'s p99 from 1.6 to 22.8 ms).
 */
public final class AdminListener implements Closeable {
    /**
     * Admin connections open at once; one more gets 503 and is closed. An operator's curl and a
     * metrics scraper or two need a handful; 16 leaves room and keeps the fds they can hold small.
     */
    public static final int MAX_CONNECTIONS = ConnectionLimits.ADMIN_MAX_CONNECTIONS;
    /** Largest admin request body: the endpoint takes none; this lets a probe's small POST get its 405. */
    public static final long MAX_BODY_BYTES = 1024;
    /** Threads of the admin worker are named {@code mpool-admin I/O-1} and {@code mpool-admin task-1}. */
    public static final String WORKER_NAME = "mpool-admin";
    /** One IO thread: the admin endpoint serves an operator and a scraper or two. */
    private static final int IO_THREADS = 1;
    /** The admin handlers never block; XNIO wants a task pool all the same. */
    private static final int TASK_THREADS = 1;

    private final XnioWorker worker;
    private final AdminConnectionCap cap;
    private final ConnectionRegistry connections;
    private final Listener listener;

    /**
     * Starts the admin listener's own worker ({@link #worker()}, to bind its socket on);
     * {@link #close()} stops it.
     */
    public AdminListener(Xnio xnio, HttpHandler handler, ByteBufferPool buffers, RequestLimits limits,
                  ServerStats stats, RefusalLog refusals) throws IOException {
        this.worker = xnio.createWorker(OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, IO_THREADS)
                .set(Options.WORKER_TASK_CORE_THREADS, TASK_THREADS)
                .set(Options.WORKER_TASK_MAX_THREADS, TASK_THREADS)
                .set(Options.WORKER_NAME, WORKER_NAME)
                .set(Options.TCP_NODELAY, true)
                .getMap());
        OptionMap undertowOptions = OptionMap.builder()
                .set(UndertowOptions.BUFFER_PIPELINED_DATA, false)
                // Off (0): the framing check enforces MAX_BODY_BYTES; Undertow's limit counts chunk
                // framing too and cut off chunked bodies within it (see MpoolServer).
                .set(UndertowOptions.MAX_ENTITY_SIZE, 0L)
                .set(UndertowOptions.MAX_HEADER_SIZE, 2 * limits.maxHeaderSize()) // backstop, as on the main listener
                .getMap();
        this.cap = new AdminConnectionCap(MAX_CONNECTIONS, refusals);
        this.connections = ConnectionRegistry.withoutPools(stats);
        this.listener = new Listener(cap, limits.withMaxBody(MAX_BODY_BYTES), connections, buffers, buffers.getBufferSize(), null,
                new HttpConnections(undertowOptions), null, handler, null, null, false, stats, refusals, () -> false);
    }

    /** Accepts admin connections: bind the admin socket with this, on {@link #worker()}. */
    public Listener listener() {
        return listener;
    }

    /** The admin listener's own worker: bind its socket here. */
    public XnioWorker worker() {
        return worker;
    }

    /** The admin connections, for the server's sweep. */
    public ConnectionRegistry connections() {
        return connections;
    }

    /** Admin connections open now. */
    public int openConnections() {
        return cap.open();
    }

    /** Admin connections refused at the limit since start. */
    public long refusedConnections() {
        return cap.refused();
    }

    /** Closes every admin connection and stops the admin worker. */
    @Override
    public void close() {
        connections.closeAll();
        worker.shutdown();
    }
}
