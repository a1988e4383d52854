package io.mpool.server.admin;

import io.mpool.server.config.ConnectionLimits;
import io.mpool.server.config.RequestLimits;
import io.mpool.server.connection.ServerStats;
import io.mpool.server.transport.ConnectionWatchdog;
import io.mpool.server.transport.DirectAnswer;
import io.mpool.server.transport.RefusalLog;
import io.mpool.server.transport.RequestFramingConduit;
import io.mpool.server.transport.RequestTracker;
import io.mpool.server.transport.TrackedHandler;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioExecutor;
import org.xnio.XnioWorker;

/**
 * Accepts admin connections with the main listener's defences: the same strict framing check
 * ({@link RequestFramingConduit}), the same read and write timeouts ({@link ConnectionWatchdog},
 * checked once a second) and Undertow's parse and idle timeouts, and at most
 * {@link #MAX_CONNECTIONS} at once. Without them, half-sent admin requests (no token needed to
 * open one) were held forever: 700 of them under a low fd limit kept the main port refusing.
 *
 * <p>Admin connections use the heap buffer pool, not the arena, so a busy admin client never
 * takes memory from the main listener's connections; and they run on an XNIO worker of their own
 * (one IO thread, {@code mpool-admin I/O-1}), so building a page of 5,000 connections never holds
 * up a main IO thread (it did: a client looping on {@code /admin/pools} moved {@code /hello}'s p99
 * from 1.6 to 22.8 ms).
 */
public final class AdminListener implements ChannelListener<StreamConnection>, Closeable {
    /**
     * Admin connections open at once; one more gets 503 and is closed. An operator's curl and a
     * metrics scraper or two need a handful; 16 leaves room and keeps the fds they can hold small.
     */
    public static final int MAX_CONNECTIONS = ConnectionLimits.ADMIN_MAX_CONNECTIONS;
    /** Largest admin request body: the endpoint takes none; this lets a probe's small POST get its 405. */
    public static final long MAX_BODY_BYTES = 1024;
    private static final long SWEEP_INTERVAL_SECONDS = 1;
    /** Threads of the admin worker are named {@code mpool-admin I/O-1} and {@code mpool-admin task-1}. */
    public static final String WORKER_NAME = "mpool-admin";
    /** One IO thread: the admin endpoint serves an operator and a scraper or two. */
    private static final int IO_THREADS = 1;
    /** The admin handlers never block; XNIO wants a task pool all the same. */
    private static final int TASK_THREADS = 1;
    /** One instance for every refusal, without a stack trace: the log needs only the message. */
    private static final RuntimeException AT_LIMIT = new RuntimeException("admin connections at the limit of "
            + MAX_CONNECTIONS + "; refusing more with 503", null, false, false) {
        private static final long serialVersionUID = 1L;
    };

    private final HttpHandler handler;
    private final ByteBufferPool buffers;
    private final RequestLimits limits;
    private final ServerStats stats;
    private final RefusalLog refusals;
    private final OptionMap undertowOptions;
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    private final Map<StreamConnection, ConnectionWatchdog> watchdogs = new ConcurrentHashMap<>();
    private final XnioWorker worker;
    private final XnioExecutor.Key sweeper;

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
        this.handler = handler;
        this.buffers = buffers;
        this.limits = limits;
        this.stats = stats;
        this.refusals = refusals;
        this.undertowOptions = OptionMap.builder()
                .set(UndertowOptions.BUFFER_PIPELINED_DATA, false)
                // Off (0): the framing check enforces MAX_BODY_BYTES; Undertow's limit counts chunk
                // framing too and cut off chunked bodies within it (see MpoolServer).
                .set(UndertowOptions.MAX_ENTITY_SIZE, 0L)
                .set(UndertowOptions.MAX_HEADER_SIZE, 2 * limits.maxHeaderSize()) // backstop, as on the main listener
                .getMap();
        this.sweeper = worker.getIoThread(0).executeAtInterval(this::sweep, SWEEP_INTERVAL_SECONDS, TimeUnit.SECONDS);
    }

    /** One accepted admin connection. */
    @Override
    public void handleEvent(StreamConnection channel) {
        if (open.incrementAndGet() > MAX_CONNECTIONS) {
            open.decrementAndGet();
            refused.increment();
            refusals.log(AT_LIMIT);
            DirectAnswer.sendAndClose(channel, 503, "too many admin connections (at most " + MAX_CONNECTIONS
                    + "); retry later");
            return;
        }
        RequestTracker tracker = new RequestTracker(stats);
        ConnectionWatchdog watchdog = new ConnectionWatchdog(channel, tracker, limits);
        watchdog.install();
        RequestFramingConduit.install(channel, limits.maxRequestLine(), limits.maxHeaderSize(), MAX_BODY_BYTES,
                limits.minBodyRate(), RequestLimits.BODY_RATE_GRACE, tracker).trackingProgress(watchdog);
        watchdogs.put(channel, watchdog);
        // Run once even if XNIO both merges it and calls it at once (closed during handleEvent).
        AtomicInteger closes = new AtomicInteger();
        channel.setCloseListener(c -> {
            if (closes.getAndIncrement() == 0) {
                watchdogs.remove(c);
                open.decrementAndGet();
            }
        });
        HttpOpenListener http = new HttpOpenListener(buffers, undertowOptions);
        http.setRootHandler(new TrackedHandler(tracker, handler));
        http.handleEvent(channel);
    }

    /** The admin listener's own worker: bind its socket here. */
    public XnioWorker worker() {
        return worker;
    }

    /** Admin connections open now. */
    public int openConnections() {
        return open.get();
    }

    /** Admin connections refused at the limit since start. */
    public long refusedConnections() {
        return refused.sum();
    }

    private void sweep() {
        long now = System.nanoTime();
        watchdogs.forEach((channel, watchdog) -> {
            if (!channel.isOpen() || watchdog.check(now)) {
                watchdogs.remove(channel);
            }
        });
    }

    /** Stops the timeout checks, closes every admin connection and stops the admin worker. */
    @Override
    public void close() {
        sweeper.remove();
        watchdogs.keySet().forEach(IoUtils::safeClose);
        worker.shutdown();
    }
}
