package io.mpool.server;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.mempool.ArenaStats;
import io.mpool.mempool.PageArena;
import io.mpool.server.admin.AdminHandler;
import io.mpool.server.admin.AdminListener;
import io.mpool.server.admin.Health;
import io.mpool.server.admin.ServerMetrics;
import io.mpool.server.config.ConnectionLimits;
import io.mpool.server.config.Http2Settings;
import io.mpool.server.config.OptionConverters;
import io.mpool.server.config.RequestLimits;
import io.mpool.server.config.ServerConfig;
import io.mpool.server.config.TlsSettings;
import io.mpool.server.connection.ArenaTrim;
import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.server.connection.ConnectionCapExceededException;
import io.mpool.server.connection.ConnectionRegistry;
import io.mpool.server.connection.ServerStats;
import io.mpool.server.transport.AbandonedResponseBuffer;
import io.mpool.server.transport.AcceptRecovery;
import io.mpool.server.transport.AccessLog;
import io.mpool.server.transport.AccessLogHandler;
import io.mpool.server.transport.AllocationRefusedAnswer;
import io.mpool.server.transport.ConnectionLimiter;
import io.mpool.server.transport.ConnectionWatchdog;
import io.mpool.server.transport.Http2Connections;
import io.mpool.server.transport.Http2PrefaceConduit;
import io.mpool.server.transport.HttpConnections;
import io.mpool.server.transport.ListenerAccepts;
import io.mpool.server.transport.LogFormat;
import io.mpool.server.transport.RefusalLog;
import io.mpool.server.transport.RequestFramingConduit;
import io.mpool.server.transport.RequestScopeHandler;
import io.mpool.server.transport.RequestTracker;
import io.mpool.server.transport.TlsHandshake;
import io.mpool.server.transport.TlsWrapping;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
    private final PageArena arena;
    private final ServerStats stats = new ServerStats();
    private final ConnectionRegistry registry;
    private final ArenaTrim arenaTrim;
    private final DefaultByteBufferPool heapPool;
    private final DefaultByteBufferPool stockPool;
    /** Every open connection of the main listener, with its timeouts (the sweep checks them). */
    private final Map<StreamConnection, ConnectionWatchdog> watchdogs = new ConcurrentHashMap<>();
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
    private final Health health;
    /** The access log, or null when it is off. */
    private AccessLog accessLog;
    /** Connection ids for the access log with {@code --pool undertow} (pooled connections have theirs). */
    private final AtomicLong stockConnectionIds = new AtomicLong();

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
        this.tls = tls;
        if (handler == null) {
            throw new IllegalArgumentException("handler=null (expected: the application's HttpHandler)");
        }
        this.config = config;
        this.shutdownGrace = shutdownGrace;
        this.arena = PageArena.builder().maxBytes(config.arenaMaxBytes()).policy(config.arenaPolicy())
                .scrub(config.scrub()).debug(config.debug()).build();
        this.heapPool = new DefaultByteBufferPool(false, config.bufferSize(), -1, STOCK_POOL_THREAD_CACHE);
        this.stockPool = new DefaultByteBufferPool(true, config.bufferSize(), -1, STOCK_POOL_THREAD_CACHE);
        this.arenaTrim = new ArenaTrim(arena);
        this.registry = new ConnectionRegistry(arena, config.bufferSize(), config.connectionMaxBytes(),
                heapPool, stats);
        this.spillFiles = new SpillFiles(stats, config.limits().bodyTempMax());
        long bodyMemoryTotal = config.limits().bodyMemoryTotal();
        this.bodyLimits = new BodyLimits(config.limits().bodyInMemoryMax(), config.limits().bodyTempDir(),
                spillFiles, new BodyMemoryBudget(bodyMemoryTotal != 0 ? bodyMemoryTotal
                        : Math.max(1, config.arenaMaxBytes() / RequestLimits.BODY_MEMORY_ARENA_SHARE), stats));
        this.application = new ApplicationHandler(handler);
        this.metrics = new ServerMetrics(arena, stats, () -> admin == null ? 0 : admin.refusedConnections());
        this.health = new Health(arena, stats, () -> mainServer != null && mainServer.isOpen());
        this.undertowOptions = OptionMap.builder()
                // Undertow's batching of pipelined responses (what Undertow.builder() sets): the
                // responses to a client's pipelined requests go out in one write, not one each.
                // Its buffer holds finished responses after their exchange ends; an answer written
                // beneath Undertow (a refusal, a 408) writes that buffer out first (LingeringClose).
                .set(UndertowOptions.BUFFER_PIPELINED_DATA, true)
                // Undertow's entity limit off (0; its default is 2 MB): the framing check enforces
                // --max-body-size (413 for a larger Content-Length, or chunk sizes adding up past
                // it). Undertow 2.3.27 counts a chunked body's framing bytes (size lines, CRLFs)
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
                        stats.blockingRefusals))
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
                    accepts.adapter(c -> accept(c, false)), socketOptions);
            if (tls != null) {
                tlsWrapping = new TlsWrapping(tls.context(), xnio, tls.handshakeTimeout(), stats, h2 != null);
                tlsServer = listen(worker, "--host/--tls-port", tls.host(), tls.port(),
                        accepts.adapter(c -> accept(c, true)), socketOptions);
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
        admin = new AdminListener(xnio, new AdminHandler(arena, stats, registry, config.adminToken(), metrics, health), heapPool,
                config.limits(), stats, refusals);
        AcceptingChannel<StreamConnection> server = listen(admin.worker(), "--admin-host/--admin-port", config.adminHost(),
                config.adminPort(), accepts.adapter(admin), socketOptions);
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
     * One accepted connection: its own pool, Undertow's HTTP/1.1 over it ({@link HttpConnections});
     * with TLS, the engine's buffers from that pool, the framing check and watchdog decrypted-side.
     */
    private void accept(StreamConnection raw, boolean withTls) {
        if (stopping) {
            IoUtils.safeClose(raw);
            return;
        }
        ConnectionLimiter.Slot slot = limiter.admit(raw);
        if (slot == null) {
            return; // refused at a limit: answered and closed
        }
        RequestTracker tracker = new RequestTracker(stats).onFirstRequest(slot::headArrived);
        boolean poolBeforeTls = withTls && config.pool() == ServerConfig.PoolKind.MP; // TLS takes its buffers from it
        ConnectionBufferPool connection = poolBeforeTls ? openPool(raw, null) : null;
        if (poolBeforeTls && connection == null) {
            slot.closed();
            return;
        }
        TlsHandshake handshake = withTls ? tlsWrapping.wrap(raw, connection) : null;
        StreamConnection channel = handshake == null ? raw : handshake.connection();
        RequestLimits limits = config.limits();
        // Read/write timeouts by progress stamps checked in the sweep, not Undertow's timeout
        // conduits (a timer re-armed per read and per write; see ConnectionWatchdog).
        ConnectionWatchdog watchdog = new ConnectionWatchdog(channel, tracker, limits).expectingHandshake(handshake);
        watchdog.install();
        Http2PrefaceConduit preface = h2 == null ? null : Http2Connections.sniff(channel); // beneath the framing check
        RequestFramingConduit framing = RequestFramingConduit.install(channel, limits.maxRequestLine(), limits.maxHeaderSize(), limits.maxBodyBytes(),
                limits.minBodyRate(),
                RequestLimits.BODY_RATE_GRACE, tracker).trackingProgress(watchdog);
        watchdogs.put(channel, watchdog);
        if (config.pool() == ServerConfig.PoolKind.MP) {
            connection = connection != null ? connection : openPool(channel, framing);
            if (connection == null) {
                watchdogs.remove(channel);
                addCloseListener(channel, c -> slot.closed()); // its descriptor is held until the lingering ends
                return;
            }
            connection.onAllocationRefused(new AllocationRefusedAnswer(refusals, connection, channel, tracker, framing));
            registry.watch(connection, raw); // the socket: the sweep sees it closed even beneath TLS
        }
        ConnectionBufferPool probed = connection;
        HttpHandler handler = accessLog == null ? application : new AccessLogHandler(accessLog,
                connection != null ? connection.id() : stockConnectionIds.incrementAndGet(), application);
        if (preface != null) { // where the protocol is chosen: HTTP/2 once its preface has come, else HTTP/1.1
            preface.onPreface(after -> h2.open(channel, preface, after, withTls, probed != null ? probed : stockPool,
                    probed, tracker, handler));
        }
        try {
            http.open(channel, connection != null ? connection : stockPool, config.bufferSize(),
                    new RequestScopeHandler(connection, stats, tracker, handler));
        } catch (ArenaExhaustedException | ConnectionCapExceededException e) {
            // The first read could not get memory: the pool has already logged the refusal
            // (rate-limited), answered 503 and is closing the connection the lingering way (see
            // openPool); closing here would reset it.
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "setting up a connection from " + channel.getPeerAddress() + " failed", e);
            IoUtils.safeClose(channel);
        } finally {
            // After handleEvent: XNIO merges this with Undertow's close listener and runs it
            // after Undertow's cleanup, when Undertow has closed what it could.
            addCloseListener(channel, c -> {
                slot.closed();
                watchdogs.remove(c);
                if (handshake != null) {
                    handshake.connectionClosed();
                    IoUtils.safeClose(raw);
                }
                if (probed != null) {
                    probed.channelClosed(raw);
                }
            });
        }
    }

    /**
     * The connection's own pool, or null when the arena is exhausted: answered 503 through
     * {@code framing}, or closed at once without one (before TLS: no plain 503 for a TLS client).
     */
    private ConnectionBufferPool openPool(StreamConnection channel, RequestFramingConduit framing) {
        try {
            return registry.open(channel.getPeerAddress());
        } catch (ArenaExhaustedException e) {
            refusals.log(e);
            if (framing == null) {
                IoUtils.safeClose(channel);
            } else {
                framing.refuseConnection(503, "server out of memory for new connections; retry later");
            }
            return null;
        }
    }

    /** Once a second: timeouts of every connection, and pools of channels closed behind our back. */
    private void sweep() {
        long now = System.nanoTime();
        watchdogs.forEach((channel, watchdog) -> {
            if (!channel.isOpen() || watchdog.check(now)) {
                watchdogs.remove(channel);
            }
        });
        registry.sweepClosed();
        arenaTrim.afterSweep(); // after the idle connections gave their pages back
        health.sample(now);
    }

    private static void addCloseListener(StreamConnection channel, ChannelListener<StreamConnection> listener) {
        channel.setCloseListener(listener);
        if (!channel.isOpen()) {
            listener.handleEvent(channel); // closed during handleEvent: the listener would never run
        }
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
        long start = System.nanoTime();
        long deadline = start + grace.toNanos();
        long idleUntil = start + Math.min(grace.toNanos(), DRAIN_IDLE_LINGER.toNanos());
        // Idle keep-alive connections stay open a little: a request a client (a proxy) sent on one
        // just as the stop began gets its answer, with Connection: close, instead of a reset.
        while ((stats.inFlight.sum() > 0 || (System.nanoTime() < idleUntil && !watchdogs.isEmpty()))
                && System.nanoTime() < deadline) {
            sleep();
        }
        long unfinished = stats.inFlight.sum();
        watchdogs.keySet().forEach(IoUtils::safeClose);
        long poolDeadline = System.nanoTime() + POOLS_DRAIN_TIMEOUT.toNanos();
        while (registry.size() > 0 && System.nanoTime() < poolDeadline) {
            sleep();
        }
        IoUtils.safeClose(adminServer, admin, acceptRecovery);
        if (sweeper != null) {
            sweeper.remove();
        }
        registry.sweepClosed();
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
        String accessLogLine = closeAccessLog();
        ServerStats.Totals totals = stats.snapshot();
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
            line += " (memory still outstanding)";
            LOG.log(Level.WARNING, line);
        }
        return line;
    }

    /** {@link #stop(Duration)} with the builder's shutdown grace ({@code setShutdownGrace}, default 10 s). */
    @Override
    public void close() {
        stop(shutdownGrace);
    }

    /** Writes what the access log still holds; its figures for the summary, or nothing when it is off. */
    private String closeAccessLog() {
        if (accessLog == null) {
            return "";
        }
        IoUtils.safeClose(accessLog);
        return " accessLogLines=" + accessLog.written() + " accessLogDropped=" + accessLog.dropped();
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

    /** Open connections of the main listener the server still tracks (refused ones included until closed). */
    public int openConnections() {
        return watchdogs.size();
    }

    /** A snapshot of the page arena every connection's pool takes from: pages and blocks in use, bounds. */
    public ArenaStats arenaStats() {
        return arena.stats();
    }

    /** A snapshot of the server's counters since start: requests, resets, pools, refusals. */
    public ServerTotals totals() {
        return ServerTotals.of(stats.snapshot());
    }

    /** The one-line log format of the server's access log, for an embedder's own log handler. */
    public static Formatter logFormatter() {
        return new LogFormat();
    }

    PageArena arena() {
        return arena;
    }

    ServerStats stats() {
        return stats;
    }

    /** What {@code RequestBody} readers of this server use: in-memory limit, temp dir, live temp files. */
    BodyLimits bodyLimits() {
        return bodyLimits;
    }

    ConnectionRegistry registry() {
        return registry;
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
