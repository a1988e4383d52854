package io.mpool.server;

import io.mpool.mempool.ArenaStats;
import io.mpool.mempool.PageArena;
import io.mpool.server.admin.AdminHandler;
import io.mpool.server.admin.AdminListener;
import io.mpool.server.admin.Health;
import io.mpool.server.admin.ServerMetrics;
import io.mpool.server.body.BodyLimits;
import io.mpool.server.body.BodyMemoryBudget;
import io.mpool.server.body.HandlerSettings;
import io.mpool.server.body.SpillFiles;
import io.mpool.server.config.ConnectionLimits;
import io.mpool.server.config.Http2Settings;
import io.mpool.server.config.OptionConverters;
import io.mpool.server.config.RequestLimits;
import io.mpool.server.config.ServerConfig;
import io.mpool.server.config.TlsSettings;
import io.mpool.server.connection.ApplicationHandler;
import io.mpool.server.connection.ArenaTrim;
import io.mpool.server.connection.ConnectionRegistry;
import io.mpool.server.connection.Http2Connections;
import io.mpool.server.connection.Listener;
import io.mpool.server.stats.ServerMetric;
import io.mpool.server.stats.ServerStats;
import io.mpool.server.transport.AbandonedResponseBuffer;
import io.mpool.server.transport.AcceptRecovery;
import io.mpool.server.transport.AccessLog;
import io.mpool.server.transport.Admission;
import io.mpool.server.transport.ConnectionLimiter;
import io.mpool.server.transport.HttpConnections;
import io.mpool.server.transport.ListenerAccepts;
import io.mpool.server.transport.LogFormat;
import io.mpool.server.transport.RefusalLog;
import io.mpool.server.transport.RequestMetrics;
import io.mpool.server.transport.ResponseCompression;
import io.mpool.server.transport.TlsWrapping;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioExecutor;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * An HTTP/1.1 and HTTP/2 server on Undertow in which every accepted connection owns its own memory
 * pool (a region of 4 KB pages from one bounded arena, reset after each request, one per HTTP/2
 * stream, destroyed with the connection), running the application's {@link HttpHandler}; built like
 * {@code Undertow.builder()}:
 *
 * <pre>{@code
 * RoutingHandler app = Handlers.routing()
 *         .get("/hello", exchange -> exchange.getResponseSender().send("hello"))
 *         .post("/items/{id}", exchange -> RequestBody.read(exchange, (ex, body) -> {
 *             ex.getResponseSender().send("got " + body.size() + " bytes");
 *         }));
 * MpoolServer server = MpoolServer.builder()
 *         .addHttpListener(8080, "0.0.0.0")
 *         .setHandler(app)
 *         .build()
 *         .start();
 * // ...
 * server.stop(Duration.ofSeconds(10));
 * }</pre>
 *
 * <p>Handlers run as on Undertow (on an IO thread; {@code exchange.dispatch} and
 * {@code startBlocking} for blocking code); Undertow's buffers and {@link RequestRegion}'s scratch
 * memory come from the connection's pool ({@code exchange.getConnection().getByteBufferPool()}).
 * Every setting is checked by {@link MpoolServerBuilder#build()}.
 *
 * <p>Inside: {@code Undertow.Builder} shares one buffer pool among all connections, so the main
 * listener is wired by hand on XNIO: every accepted connection gets Undertow's HTTP/1.1 connection
 * over its own pool ({@code transport.HttpConnections}, one request parser for all), with the pool's
 * close hooked onto the channel after Undertow's own.
 */
public final class MpoolServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MpoolServer.class.getName());

    /** The path of the admin listener's readiness check (200 when serving, 503 when not or draining). */
    public static final String ADMIN_HEALTH_READY_PATH = AdminHandler.HEALTH_READY;

    /** Which buffer pool the connections of the main listener use. */
    public enum PoolKind {
        /** One region per connection (the default). */
        MP,
        /** Undertow's stock {@code DefaultByteBufferPool} shared by every connection, for comparison. */
        UNDERTOW
    }

    private final ServerConfig config;
    private final Duration shutdownGrace;
    /** How often an admin page may be built ({@link AdminHandler}). */
    private final Duration adminPageWindow;
    private final PageArena arena;
    private final ServerStats stats = new ServerStats();
    private final ConnectionRegistry registry;
    private final ArenaTrim arenaTrim;
    private final DefaultByteBufferPool heapPool;
    private final DefaultByteBufferPool stockPool;
    private final OptionMap undertowOptions;
    /** Undertow's HTTP/1.1 set-up for each accepted connection, with these options. */
    private final HttpConnections http;
    /** HTTP/2 (h2c by prior knowledge, h2 by ALPN), or null when it is off. */
    private final Http2Connections h2;
    private final HttpHandler application;
    /** The HTTPS listener's settings, or null: none. */
    private final TlsSettings tls;
    /** TLS on accepted channels, set in start() when there is an HTTPS listener. */
    private TlsWrapping tlsWrapping;
    private AcceptingChannel<StreamConnection> tlsServer;

    private static final int STOCK_POOL_THREAD_CACHE = 4;
    /** Pending connections the kernel queues before accept (nginx's default on Linux is 511). */
    private static final int ACCEPT_BACKLOG = 1024;
    /**
     * How long stop keeps idle keep-alive connections open (within the grace), so that a request
     * already on its way on one is answered (with {@code Connection: close}) rather than reset: a
     * proxy in front would turn the reset into a 502. A few round trips of any client.
     */
    private static final Duration DRAIN_IDLE_LINGER = Duration.ofSeconds(1);
    /** How long stop waits for closed connections' pools to be destroyed. */
    private static final Duration POOLS_DRAIN_TIMEOUT = Duration.ofSeconds(5);
    /** How long stop waits for the XNIO worker's threads before stopping them hard. */
    private static final Duration WORKER_STOP_TIMEOUT = Duration.ofSeconds(5);
    /**
     * The most {@link #stop} takes after the shutdown grace (pools drained, then the worker
     * stopped): a container's stop timeout must cover the grace plus this.
     */
    public static final Duration STOP_AFTER_GRACE_BOUND = POOLS_DRAIN_TIMEOUT.plus(WORKER_STOP_TIMEOUT);

    /** How often timeouts are checked and pools of connections closed behind our back destroyed. */
    private static final long SWEEP_INTERVAL_SECONDS = 1;

    private XnioWorker worker;
    private XnioExecutor.Key sweeper;
    private AcceptingChannel<StreamConnection> mainServer;
    private AcceptingChannel<StreamConnection> adminServer;
    private AdminListener admin;
    /** Set in start() once both listeners are bound (the descriptors they hold count), before accepting. */
    private volatile ConnectionLimiter limiter;
    private AcceptRecovery acceptRecovery;
    private volatile boolean stopping;
    private final RefusalLog refusals = new RefusalLog(LOG);
    /** Both listeners' accept step: one line, not one per accept, for those still scheduled at stop. */
    private final ListenerAccepts accepts = new ListenerAccepts(LOG);
    private final SpillFiles spillFiles;
    private final BodyLimits bodyLimits;
    private final ServerMetrics metrics;
    /** Null when off ({@code setRequestMetrics(false)}). */
    private final RequestMetrics requestMetrics;
    private final Health health;
    /** The access log, or null when it is off. */
    private AccessLog accessLog;

    /** A builder with every default; {@link MpoolServerBuilder#build()} checks the settings. */
    public static MpoolServerBuilder builder() {
        return new MpoolServerBuilder();
    }

    /** A server for {@code config}, running {@code handler} (tests; embedders use {@link #builder()}). */
    static MpoolServer create(ServerConfig config, HttpHandler handler) {
        return new MpoolServer(config, handler, OptionConverters.interval(ServerConfig.DEFAULT_SHUTDOWN_GRACE));
    }

    MpoolServer(ServerConfig config, HttpHandler handler, Duration shutdownGrace) {
        this(config, null, Http2Settings.defaults(config.limits().maxHeaderSize()), handler, shutdownGrace);
    }

    MpoolServer(ServerConfig config, TlsSettings tls, Http2Settings http2, HttpHandler handler, Duration shutdownGrace) {
        this(config, tls, http2, handler, shutdownGrace, AdminHandler.DEFAULT_PAGE_WINDOW);
    }

    MpoolServer(ServerConfig config, TlsSettings tls, Http2Settings http2, HttpHandler handler, Duration shutdownGrace,
                Duration adminPageWindow) {
        this.tls = tls;
        if (handler == null) {
            throw new IllegalArgumentException("handler=null (expected: the application's HttpHandler)");
        }
        this.config = config;
        this.shutdownGrace = shutdownGrace;
        this.adminPageWindow = adminPageWindow;
        this.arena = PageArena.builder().maxBytes(config.arenaMaxBytes()).policy(config.arenaPolicy())
                .scrub(config.scrub()).debug(config.debug()).build();
        this.heapPool = new DefaultByteBufferPool(false, config.bufferSize(), -1, STOCK_POOL_THREAD_CACHE);
        this.stockPool = new DefaultByteBufferPool(true, config.bufferSize(), -1, STOCK_POOL_THREAD_CACHE);
        this.arenaTrim = new ArenaTrim(arena);
        this.registry = new ConnectionRegistry(arena, config.bufferSize(), config.connectionMaxBytes(),
                heapPool, stats); // the main and HTTPS listeners' connections
        this.spillFiles = new SpillFiles(stats, config.limits().bodyTempMax());
        long bodyMemoryTotal = config.limits().bodyMemoryTotal();
        this.bodyLimits = new BodyLimits(config.limits().bodyInMemoryMax(), config.limits().bodyTempDir(),
                spillFiles, new BodyMemoryBudget(bodyMemoryTotal != 0 ? bodyMemoryTotal
                        : Math.max(1, config.arenaMaxBytes() / RequestLimits.BODY_MEMORY_ARENA_SHARE), stats));
        this.application = new ApplicationHandler(config.features().gzip() ? ResponseCompression.gzip(handler) : handler);
        this.metrics = new ServerMetrics(arena, stats, () -> admin == null ? 0 : admin.refusedConnections());
        this.requestMetrics = config.features().requestMetrics() ? metrics.requestMetrics() : null;
        this.health = new Health(arena, stats, () -> mainServer != null && mainServer.isOpen());
        this.undertowOptions = OptionMap.builder()
                // Undertow's batching of pipelined responses (what Undertow.builder() sets): the
                // responses to a client's pipelined requests go out in one write, not one each.
                // Its buffer holds finished responses after their exchange ends; an answer written
                // beneath Undertow (a refusal, a 408) writes that buffer out first (LingeringClose).
                .set(UndertowOptions.BUFFER_PIPELINED_DATA, true)
                // Undertow's entity limit off (0; its default is 2 MB): the framing check enforces
                // --max-body-size (413 for a larger Content-Length, or chunk sizes adding up past
                // it). Undertow (2.3.27, 2.4.4) counts a chunked body's framing bytes (size lines, CRLFs)
                // against its limit, so at our value it cut off chunked bodies within the limit,
                // without an answer (BodyLimitTest).
                .set(UndertowOptions.MAX_ENTITY_SIZE, 0L)
                // Our framing check answers 414/431 first; Undertow's own limit (which answers a
                // plain 400) stays above it as a backstop.
                .set(UndertowOptions.MAX_HEADER_SIZE, 2 * config.limits().maxHeaderSize())
                // No NO_REQUEST_TIMEOUT / REQUEST_PARSE_TIMEOUT: ConnectionWatchdog enforces the idle
                // and parse timeouts from the sweep (Undertow's re-arm a timer per request).
                // What RequestBody and BlockingRequests find through the exchange's connection.
                .set(HandlerSettings.OPTION, new HandlerSettings(bodyLimits, config.limits().maxBlockingRequests(),
                        stats))
                .getMap();
        this.http = new HttpConnections(undertowOptions);
        this.h2 = http2.enabled() ? new Http2Connections(undertowOptions, http2, config.bufferSize(), stats) : null;
    }

    /**
     * Binds the listeners (the main one; the admin one when set) and starts serving.
     *
     * @throws IOException when a listener cannot bind (the message names the host and port) or the
     *                     access log cannot be opened
     */
    public MpoolServer start() throws IOException {
        AbandonedResponseBuffer.check();
        HttpConnections.check();
        if (h2 != null) {
            Http2Connections.check();
        }
        Xnio xnio = Xnio.getInstance(Undertow.class.getClassLoader());
        worker = xnio.createWorker(OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, config.ioThreads())
                .set(Options.WORKER_TASK_CORE_THREADS, config.workerThreads())
                .set(Options.WORKER_TASK_MAX_THREADS, config.workerThreads())
                .set(Options.WORKER_NAME, "mpool")
                .set(Options.TCP_NODELAY, true)
                .getMap());
        OptionMap socketOptions = OptionMap.builder()
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.TCP_NODELAY, true)
                .set(Options.BACKLOG, ACCEPT_BACKLOG)
                .getMap();
        try {
            accessLog = AccessLog.open(config.accessLog());
            mainServer = listen(worker, "--host/--port", config.host(), config.port(),
                    accepts.adapter(listener(null)), socketOptions);
            if (tls != null) {
                tlsWrapping = new TlsWrapping(tls.certificate(), worker, tls.handshakeTimeout(), stats, h2 != null);
                tlsServer = listen(worker, "--host/--tls-port", tls.host(), tls.port(),
                        accepts.adapter(listener(tlsWrapping)), socketOptions);
            }
            sweeper = worker.getIoThread(0).executeAtInterval(this::sweep, SWEEP_INTERVAL_SECONDS, TimeUnit.SECONDS);
            adminServer = config.adminEnabled() ? startAdmin(xnio, socketOptions) : null;
            startLimits();
            mainServer.resumeAccepts();
            if (tlsServer != null) {
                tlsServer.resumeAccepts();
            }
        } catch (IOException | RuntimeException e) {
            IoUtils.safeClose(mainServer, tlsServer, adminServer, admin, acceptRecovery, metrics, accessLog);
            worker.shutdownNow();
            throw e;
        }
        LOG.info("mpool listening on http://" + config.host() + ":" + port() + (tlsServer == null ? ""
                : " and https://" + tls.host() + ":" + tlsPort()) + (adminServer == null ? " (no admin)"
                : " (admin http://" + config.adminHost() + ":" + adminPort() + "/admin/pools)") + " " + config);
        return this;
    }

    /**
     * The admin listener: the main listener's framing check and timeouts, a small connection
     * limit, heap buffers, its own IO thread ({@link AdminListener}).
     */
    private AcceptingChannel<StreamConnection> startAdmin(Xnio xnio, OptionMap socketOptions) throws IOException {
        admin = new AdminListener(xnio, new AdminHandler(arena, this::totals, registry, config.adminToken(), metrics, health,
                adminPageWindow), heapPool,
                config.limits(), stats, refusals);
        AcceptingChannel<StreamConnection> server = listen(admin.worker(), "--admin-host/--admin-port", config.adminHost(),
                config.adminPort(), accepts.adapter(admin.listener()), socketOptions);
        server.resumeAccepts();
        return server;
    }

    /**
     * The accept-side limits ({@link ConnectionLimits}, resolved now that the listeners hold their
     * descriptors) and the quick end of XNIO's accept back-off after descriptors ran out.
     */
    private void startLimits() {
        ConnectionLimits limits = ConnectionLimits.resolve(config);
        limiter = new ConnectionLimiter(limits.maxConnections(), limits.maxUnfinishedHeads(),
                limits.maxUnfinishedHeadsPerIp(), stats, LOG);
        acceptRecovery = AcceptRecovery.install(Stream.<AcceptingChannel<?>>of(mainServer, tlsServer, adminServer)
                .filter(Objects::nonNull).toList(), LOG);
        LOG.info("accept limits: " + limits.derivation());
    }

    /** Binds a listener; a failure names the flags, the host and the port (not just "Address already in use"). */
    private static AcceptingChannel<StreamConnection> listen(XnioWorker worker, String flags, String host, int port,
            ChannelListener<AcceptingChannel<StreamConnection>> acceptor, OptionMap socketOptions) throws IOException {
        try {
            return worker.createStreamConnectionServer(new InetSocketAddress(host, port), acceptor, socketOptions);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + host + ":" + port + " (" + flags + "): " + e.getMessage(), e);
        }
    }

    /**
     * The main listener's connections ({@code tls} null) or the HTTPS listener's: their limits,
     * memory (a region each, or Undertow's shared pool with {@code --pool undertow}), Undertow's
     * set-up and the application; each accepted channel becomes a {@code Connection}.
     */
    private Listener listener(TlsWrapping tls) {
        boolean pooled = config.pool() == ServerConfig.PoolKind.MP;
        return new Listener(limiterAdmission, config.limits(), registry,
                pooled ? null : stockPool, config.bufferSize(), tls, http, h2, application, accessLog,
                requestMetrics, true, stats, refusals, () -> stopping);
    }

    /** The accept limiter, made once the listeners hold their descriptors ({@link #startLimits}). */
    private final Admission limiterAdmission = new Admission() {
        @Override
        public boolean admit(StreamConnection channel, InetAddress address) {
            return limiter.admit(channel, address);
        }

        @Override
        public void headArrived(InetAddress address) {
            limiter.headArrived(address);
        }

        @Override
        public void closed(InetAddress address, boolean headArrived) {
            limiter.closed(address, headArrived);
        }
    };

    /** Once a second: timeouts and idle memory of every connection, both listeners'; the arena's trim. */
    private void sweep() {
        long now = System.nanoTime();
        registry.sweep(now);
        if (admin != null) {
            admin.connections().sweep(now);
        }
        arenaTrim.afterSweep(stats.requests()); // after the idle connections gave their pages back
        health.sample(now);
    }

    /**
     * Stops gracefully: no new connections, in-flight requests get up to {@code grace} to finish,
     * idle keep-alive connections stay open for a second of it (a request arriving on one is
     * answered with {@code Connection: close}), then every connection is closed and the pools are
     * given back.
     *
     * @return the one-line summary (also logged): pools created/destroyed, pages outstanding
     */
    public String stop(Duration grace) {
        if (stopping) {
            return "mpool already stopping";
        }
        stopping = true;
        stats.beginDrain(); // readiness DOWN; answers from now on carry Connection: close
        accepts.stopping();
        IoUtils.safeClose(mainServer, tlsServer);
        registry.goAwayAll(); // HTTP/2: no new streams, GOAWAY once the running ones have ended
        long start = System.nanoTime();
        long deadline = start + grace.toNanos();
        long idleUntil = start + Math.min(grace.toNanos(), DRAIN_IDLE_LINGER.toNanos());
        // Idle keep-alive connections stay open a little: a request a client (a proxy) sent on one
        // just as the stop began gets its answer, with Connection: close, instead of a reset.
        while ((stats.inFlight() > 0 || (System.nanoTime() < idleUntil && registry.size() > 0))
                && System.nanoTime() < deadline) {
            sleep();
        }
        long unfinished = stats.inFlight();
        registry.closeAll();
        long poolDeadline = System.nanoTime() + POOLS_DRAIN_TIMEOUT.toNanos();
        while (registry.size() > 0 && System.nanoTime() < poolDeadline) {
            sleep();
        }
        IoUtils.safeClose(adminServer, admin, acceptRecovery);
        if (sweeper != null) {
            sweeper.remove();
        }
        registry.sweep(System.nanoTime()); // a connection whose close was missed is torn down now
        int spillsLeft = spillFiles.deleteAll(); // each connection's destroy deleted its own: this is the backstop
        worker.shutdown();
        try {
            if (!worker.awaitTermination(WORKER_STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            worker.shutdownNow();
        }
        accepts.stopped();
        metrics.close();
        String accessLogLine = AccessLog.closeWithSummary(accessLog);
        ServerTotals totals = ServerTotals.of(stats);
        // requests = resets + resetsCoalesced with --pool mp: every request end is covered by one reset.
        String line = "mpool stopped: requests=" + totals.requests() + " resets=" + totals.resets()
                + " resetsCoalesced=" + totals.resetsCoalesced() + " resetsDeferred=" + totals.resetsDeferred()
                + " poolsCreated=" + totals.poolsCreated() + " poolsDestroyed=" + totals.poolsDestroyed()
                + " unfinishedRequests=" + unfinished + " pagesOutstanding=" + arena.stats().pagesInUse()
                + " largeBlocksOutstanding=" + arena.stats().largeBlocksInUse() + " bodyTempFilesDeletedAtStop="
                + spillsLeft + accessLogLine;
        if (arena.stats().outstandingBlocks() == 0 && totals.poolsLive() == 0) {
            LOG.info(line);
        } else {
            line += " (memory still outstanding)" + arena.leakReport();
            LOG.log(Level.WARNING, line);
        }
        return line;
    }

    /** {@link #stop(Duration)} with the builder's shutdown grace ({@code setShutdownGrace}, default 10 s). */
    @Override
    public void close() {
        stop(shutdownGrace);
    }

    /**
     * Opens the access log file again under its name, for log rotation: move the file away (as
     * logrotate does), then call this; lines from then on go to a new file. The command line
     * calls it on {@code SIGUSR1}, as nginx reopens its logs. False when the log is not a file.
     */
    public boolean reopenAccessLog() throws IOException {
        return accessLog != null && accessLog.reopen();
    }

    private static void sleep() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The port the main listener is bound to (the one chosen when it was given as 0). */
    public int port() {
        return ((InetSocketAddress) mainServer.getLocalAddress()).getPort();
    }

    /** The port the HTTPS listener is bound to; {@code IllegalStateException} without one. */
    public int tlsPort() {
        if (tlsServer == null) {
            throw new IllegalStateException("no HTTPS listener (expected: addHttpsListener on the builder, and start())");
        }
        return ((InetSocketAddress) tlsServer.getLocalAddress()).getPort();
    }

    /** The port the admin listener is bound to; {@code IllegalStateException} without one. */
    public int adminPort() {
        return adminAddress().getPort();
    }

    /** The address the admin listener is bound to; {@code IllegalStateException} without one. */
    public InetSocketAddress adminAddress() {
        if (adminServer == null) {
            throw new IllegalStateException("no admin listener (expected: setAdminListener on the builder, and start())");
        }
        return (InetSocketAddress) adminServer.getLocalAddress();
    }

    /**
     * Connections of the main and HTTPS listeners the server still tracks: open, or closed with
     * their memory not yet back (refused ones included until closed).
     */
    public int openConnections() {
        return registry.size();
    }

    /** A snapshot of the page arena every connection's pool takes from: pages and blocks in use, bounds. */
    public ArenaStats arenaStats() {
        return arena.stats();
    }

    /** A snapshot of the server's counters since start: requests, resets, pools, refusals. */
    public ServerTotals totals() {
        return ServerTotals.of(stats);
    }

    /** The one-line log format of the server's access log, for an embedder's own log handler. */
    public static Formatter logFormatter() {
        return new LogFormat();
    }

    PageArena arena() {
        return arena;
    }

    /** The server's counters, read-only (tests read them; only their owners count). */
    ServerMetric stats() {
        return stats;
    }

    /** The counters themselves, for a test that builds one of their owners (a {@code SpillFiles}) by hand. */
    ServerStats counters() {
        return stats;
    }

    /** What {@code RequestBody} readers of this server use: in-memory limit, temp dir, live temp files. */
    BodyLimits bodyLimits() {
        return bodyLimits;
    }

    ConnectionRegistry registry() {
        return registry;
    }

    /**
     * No more once-a-second sweeps (tests that show what happens without one, or run it by hand);
     * {@link #stop} still runs its last one.
     */
    void stopSweeping() {
        XnioExecutor.Key key = sweeper;
        if (key != null) {
            key.remove();
        }
    }

    /** The main listener's accept limits (their per-address counts, for tests). */
    ConnectionLimiter limiter() {
        return limiter;
    }

    /** The admin listener (its connection count and refusals, for tests); null without one. */
    AdminListener admin() {
        return admin;
    }
}
