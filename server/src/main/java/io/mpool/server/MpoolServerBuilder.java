package io.mpool.server;

import io.mpool.mempool.DebugOptions;
import io.mpool.mempool.ExhaustionPolicy;
import io.mpool.server.admin.AdminHandler;
import io.mpool.server.config.AccessLogSettings;
import io.mpool.server.config.CertificateSource;
import io.mpool.server.config.Durations;
import io.mpool.server.config.Http2Settings;
import io.mpool.server.config.OptionConverters;
import io.mpool.server.config.RequestLimits;
import io.mpool.server.config.ServerConfig;
import io.mpool.server.config.ServerFeatures;
import io.mpool.server.config.TlsSettings;
import io.mpool.server.config.TrustedProxies;
import io.undertow.server.HttpHandler;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * Settings of an {@link MpoolServer} ({@link MpoolServer#builder()}), each defaulting to the
 * command line's default; {@link #build()} checks them all, with the command line's messages
 * ({@code --flag=value (expected: ...)}, naming the flag that sets the same thing).
 *
 * <p>One main listener ({@link #addHttpListener}) serves the application's handler; the admin
 * listener ({@code /admin/pools}, health, metrics) is off unless {@link #setAdminListener} is
 * called. Sizes are bytes; 0 for the connection limits means derived at start from the file
 * descriptor limit and the arena.
 */
public final class MpoolServerBuilder {
    private String host;
    private int port = -1;
    private HttpHandler handler;
    private String adminHost;
    private int adminPort = ServerConfig.DEFAULT_ADMIN_PORT;
    private String adminToken;
    private MpoolServer.PoolKind pool = MpoolServer.PoolKind.MP;
    private int bufferSize = OptionConverters.intByteSize(ServerConfig.DEFAULT_BUFFER_SIZE);
    private long arenaMaxBytes = OptionConverters.byteSize(ServerConfig.DEFAULT_ARENA_MAX);
    private ExhaustionPolicy arenaPolicy = OptionConverters.policy(ServerConfig.DEFAULT_ARENA_POLICY);
    private boolean scrub = ServerConfig.DEFAULT_SCRUB;
    private long connectionMaxBytes = OptionConverters.byteSize(ServerConfig.DEFAULT_CONNECTION_MAX_BYTES);
    private int ioThreads = OptionConverters.ioThreads(ServerConfig.DEFAULT_IO_THREADS);
    private int workerThreads = ServerConfig.DEFAULT_WORKER_THREADS;
    private long maxBodySize = RequestLimits.DEFAULTS.maxBodyBytes();
    private int maxRequestLine = RequestLimits.DEFAULTS.maxRequestLine();
    private int maxHeaderSize = RequestLimits.DEFAULTS.maxHeaderSize();
    private Duration readTimeout = RequestLimits.DEFAULTS.readTimeout();
    private Duration writeTimeout = RequestLimits.DEFAULTS.writeTimeout();
    private Duration parseTimeout = RequestLimits.DEFAULTS.parseTimeout();
    private Duration idleTimeout = RequestLimits.DEFAULTS.idleTimeout();
    private long minBodyRate = RequestLimits.DEFAULTS.minBodyRate();
    private int maxBlockingRequests = RequestLimits.DEFAULTS.maxBlockingRequests();
    private long bodyInMemoryMax = RequestLimits.DEFAULTS.bodyInMemoryMax();
    private Path bodyTempDir = RequestLimits.DEFAULTS.bodyTempDir();
    private long bodyMemoryTotal = RequestLimits.DEFAULTS.bodyMemoryTotal();
    private long bodyTempMax = RequestLimits.DEFAULTS.bodyTempMax();
    private DebugOptions debug = DebugOptions.FROM_SYSTEM_PROPERTIES;
    private int maxConnections = OptionConverters.limit(ServerConfig.DEFAULT_MAX_CONNECTIONS);
    private int maxUnfinishedHeads = OptionConverters.limit(ServerConfig.DEFAULT_MAX_UNFINISHED_HEADS);
    private int maxUnfinishedHeadsPerIp = OptionConverters.limit(ServerConfig.DEFAULT_MAX_UNFINISHED_HEADS_PER_IP);
    private String accessLog = ServerConfig.DEFAULT_ACCESS_LOG;
    private String accessLogFormat = AccessLogSettings.DEFAULT_FORMAT;
    private String trustedProxies = "";
    private boolean requestMetrics = ServerFeatures.DEFAULT_REQUEST_METRICS;
    private boolean gzip = ServerFeatures.DEFAULT_GZIP;
    private Duration shutdownGrace = OptionConverters.interval(ServerConfig.DEFAULT_SHUTDOWN_GRACE);
    private Duration adminPageWindow = AdminHandler.DEFAULT_PAGE_WINDOW;
    private String tlsHost;
    private int tlsPort = -1;
    private CertificateSource tlsCertificate;
    private Duration handshakeTimeout = OptionConverters.interval(TlsSettings.DEFAULT_HANDSHAKE_TIMEOUT);
    private boolean http2 = true;

    MpoolServerBuilder() {
    }

    /**
     * The main listener: {@code port} (0 = any free port, see {@link MpoolServer#port()}) on
     * {@code host} ({@code 0.0.0.0} for every interface). One main listener per server.
     */
    public MpoolServerBuilder addHttpListener(int port, String host) {
        if (this.host != null) {
            throw new IllegalStateException("a main listener is already set (" + this.host + ":" + this.port
                    + "); one main listener per server");
        }
        this.port = port;
        this.host = host;
        return this;
    }

    /**
     * An HTTPS listener beside the main one, serving the same application: {@code port} (0 = any
     * free port, see {@link MpoolServer#tlsPort()}) on {@code host}, with the certificate and key
     * of {@code context} ({@link TlsContexts} makes one from PEM files or a PKCS#12 keystore).
     * TLS 1.3 and 1.2 only, the JDK's default cipher suites, ALPN {@code http/1.1}; the TLS
     * engine's buffers come from each connection's pool. One HTTPS listener per server.
     */
    public MpoolServerBuilder addHttpsListener(int port, String host, SSLContext context) {
        return addHttpsListener(port, host, context == null ? null : CertificateSource.fixed(context));
    }

    /**
     * An HTTPS listener as {@link #addHttpsListener(int, String, SSLContext)}, its certificate and
     * key from {@code certificate}'s files, read again when they change (new connections get the
     * new certificate; a broken change is logged and the certificate in use kept).
     */
    public MpoolServerBuilder addHttpsListener(int port, String host, CertificateFiles certificate) {
        return addHttpsListener(port, host, certificate == null ? null : certificate.source());
    }

    private MpoolServerBuilder addHttpsListener(int port, String host, CertificateSource certificate) {
        if (this.tlsHost != null) {
            throw new IllegalStateException("an HTTPS listener is already set (" + this.tlsHost + ":" + this.tlsPort
                    + "); one HTTPS listener per server");
        }
        this.tlsPort = port;
        this.tlsHost = host;
        this.tlsCertificate = certificate;
        return this;
    }

    /**
     * HTTP/2 beside HTTP/1.1 (on by default): h2 by ALPN on the HTTPS listener (clients without it
     * get {@code http/1.1}), h2c with prior knowledge on the main listener. Each stream's memory
     * is a region of its own within the connection's cap; at most 128 concurrent streams per
     * connection (nginx's default).
     */
    public MpoolServerBuilder setHttp2(boolean http2) {
        this.http2 = http2;
        return this;
    }

    /** How long a client may take to finish its TLS handshake before it is closed; default 10 s. */
    public MpoolServerBuilder setHandshakeTimeout(Duration handshakeTimeout) {
        this.handshakeTimeout = handshakeTimeout;
        return this;
    }

    /** The application: every request of the main listener goes to it. */
    public MpoolServerBuilder setHandler(HttpHandler handler) {
        this.handler = handler;
        return this;
    }

    /**
     * Turns on the admin listener (the JSON view of every connection's pool, health and metrics).
     * A host that is not a loopback address needs a {@code token} (a bearer token every admin
     * request must send), else {@link #build()} refuses.
     *
     * @param token the bearer token, or null for none (loopback hosts only)
     */
    public MpoolServerBuilder setAdminListener(int port, String host, String token) {
        this.adminPort = port;
        this.adminHost = host;
        this.adminToken = token;
        return this;
    }

    /**
     * How often the admin listener may build {@code /metrics} and each {@code /admin/pools} page;
     * default 1 s. Clients asking within it get the last build (with {@code Age}), so the pages
     * cost the same with one scraper or fifty; a request with {@code Cache-Control: no-cache} gets
     * a build started after it arrived, waiting at most this long. A slow build keeps the next one
     * ten times its CPU time away when that is longer, so the pages never take more than a tenth
     * of a CPU each. {@code Duration.ZERO}: a build for every request (still one at a time).
     */
    public MpoolServerBuilder setAdminPageWindow(Duration window) {
        this.adminPageWindow = window;
        return this;
    }

    /** {@code MP} (default): a pool per connection; {@code UNDERTOW}: Undertow's shared stock pool. */
    public MpoolServerBuilder setPoolKind(MpoolServer.PoolKind pool) {
        this.pool = pool;
        return this;
    }

    /** XNIO IO threads; default: one per available processor. */
    public MpoolServerBuilder setIoThreads(int ioThreads) {
        this.ioThreads = ioThreads;
        return this;
    }

    /** Worker threads for dispatched (blocking) handlers; default 16. */
    public MpoolServerBuilder setWorkerThreads(int workerThreads) {
        this.workerThreads = workerThreads;
        return this;
    }

    /** Bytes in each of Undertow's buffers; default 16 KB. */
    public MpoolServerBuilder setBufferSize(int bufferSize) {
        this.bufferSize = bufferSize;
        return this;
    }

    /** The bound on the page arena's direct memory, and what happens at it; default 256 MB, fail. */
    public MpoolServerBuilder setArena(long maxBytes, ExhaustionPolicy policy) {
        this.arenaMaxBytes = maxBytes;
        this.arenaPolicy = policy;
        return this;
    }

    /** Zero a page before a different connection takes it (default true). */
    public MpoolServerBuilder setScrub(boolean scrub) {
        this.scrub = scrub;
        return this;
    }

    /** The most pool memory one connection may hold; default 8 MB. */
    public MpoolServerBuilder setConnectionMaxBytes(long connectionMaxBytes) {
        this.connectionMaxBytes = connectionMaxBytes;
        return this;
    }

    /** The largest request body (413 above it); 0 = no limit (default). */
    public MpoolServerBuilder setMaxBodySize(long maxBodySize) {
        this.maxBodySize = maxBodySize;
        return this;
    }

    /** The longest request line (414) and largest request head (431); defaults 8 KB and 64 KB. */
    public MpoolServerBuilder setMaxHead(int maxRequestLine, int maxHeaderSize) {
        this.maxRequestLine = maxRequestLine;
        this.maxHeaderSize = maxHeaderSize;
        return this;
    }

    /**
     * The connection's timeouts, each closing the connection: a read waiting for data (30 s), a
     * write waiting for the client (60 s), a request head arriving (10 s), a keep-alive connection
     * idle between requests (60 s).
     */
    public MpoolServerBuilder setTimeouts(Duration read, Duration write, Duration parse, Duration idle) {
        this.readTimeout = read;
        this.writeTimeout = write;
        this.parseTimeout = parse;
        this.idleTimeout = idle;
        return this;
    }

    /** Bytes per second a request body must average after its first 5 s, else 408; 0 = off. Default 1 KB/s. */
    public MpoolServerBuilder setMinBodyRate(long bytesPerSecond) {
        this.minBodyRate = bytesPerSecond;
        return this;
    }

    /** {@link BlockingRequests} running at once; default 8. */
    public MpoolServerBuilder setMaxBlockingRequests(int maxBlockingRequests) {
        this.maxBlockingRequests = maxBlockingRequests;
        return this;
    }

    /**
     * Where {@link RequestBody} keeps a whole body: in the connection's pool up to {@code inMemoryMax}
     * bytes (default 1 MB, at most half the connection's cap), past it in a temp file in
     * {@code tempDir} (default: the JVM's temp dir).
     */
    public MpoolServerBuilder setRequestBodies(long inMemoryMax, Path tempDir) {
        this.bodyInMemoryMax = inMemoryMax;
        this.bodyTempDir = tempDir;
        return this;
    }

    /**
     * What all whole bodies may take together: {@code memoryTotal} bytes of pool memory (default 0:
     * a quarter of the arena; past it a new body goes to a temp file at once) and {@code tempMax}
     * bytes of temp files (default 1 GiB, 0 = no limit; past it a body gets 503).
     */
    public MpoolServerBuilder setRequestBodyBudgets(long memoryTotal, long tempMax) {
        this.bodyMemoryTotal = memoryTotal;
        this.bodyTempMax = tempMax;
        return this;
    }

    /**
     * Connections open at once, and connections without a complete request head yet; more get 503
     * at accept. 0 (default) = derived at start from the file descriptor limit and the arena.
     */
    public MpoolServerBuilder setConnectionLimits(int maxConnections, int maxUnfinishedHeads) {
        this.maxConnections = maxConnections;
        this.maxUnfinishedHeads = maxUnfinishedHeads;
        return this;
    }

    /**
     * Of the connections without a complete request head, those one client address may hold; more
     * from that address get 503 at accept, so one address cannot take every unfinished-head slot.
     * At most the unfinished-head limit. 0 (default) = derived at start: a quarter of the
     * unfinished-head limit, at least 64 (clients behind one NAT or proxy share an address).
     */
    public MpoolServerBuilder setMaxUnfinishedHeadsPerIp(int maxUnfinishedHeadsPerIp) {
        this.maxUnfinishedHeadsPerIp = maxUnfinishedHeadsPerIp;
        return this;
    }

    /**
     * {@code off} (default), {@code stderr}, {@code stdout} or a file to append a line per request
     * to. A file is rotated by moving it and then calling {@link MpoolServer#reopenAccessLog()}.
     */
    public MpoolServerBuilder setAccessLog(String accessLog) {
        this.accessLog = accessLog;
        return this;
    }

    /**
     * The access log's lines: {@code combined} (default, nginx's), {@code common}, {@code json}
     * (the combined fields, the connection, durations and the request's pool bytes) or
     * {@code mpool} (the server log's format).
     */
    public MpoolServerBuilder setAccessLogFormat(String format) {
        this.accessLogFormat = format;
        return this;
    }

    /**
     * Proxies (comma-separated addresses and CIDR blocks, e.g. {@code 10.0.0.0/8,::1}) whose
     * {@code X-Forwarded-For} or {@code Forwarded} header names the client in the access log;
     * from any other peer those headers are ignored. Default: none.
     */
    public MpoolServerBuilder setTrustedProxies(String cidrs) {
        this.trustedProxies = cidrs;
        return this;
    }

    /**
     * {@code http_server_requests_seconds} on {@code /metrics}: every request timed by method,
     * status, outcome and route template. Default: on.
     */
    public MpoolServerBuilder setRequestMetrics(boolean requestMetrics) {
        this.requestMetrics = requestMetrics;
        return this;
    }

    /**
     * gzip for text responses (HTML, CSS, JavaScript, JSON, XML, plain text, SVG) of at least
     * 1 KiB to clients that accept it, with {@code Vary: Accept-Encoding}. Default: off.
     */
    public MpoolServerBuilder setGzip(boolean gzip) {
        this.gzip = gzip;
        return this;
    }

    /** The allocator's debug modes (poison, no-pooling, paranoid, leak tracking); default: from system properties. */
    public MpoolServerBuilder setDebug(DebugOptions debug) {
        this.debug = debug;
        return this;
    }

    /** How long {@link MpoolServer#close()} lets in-flight requests finish; default 10 s. */
    public MpoolServerBuilder setShutdownGrace(Duration shutdownGrace) {
        this.shutdownGrace = shutdownGrace;
        return this;
    }

    /**
     * Checks every setting and makes the server (not started: {@link MpoolServer#start()}).
     *
     * @throws IllegalArgumentException naming the first bad setting as the command line's flag:
     *                                  {@code --flag=value (expected: ...)}
     * @throws IllegalStateException    without a main listener or a handler
     */
    public MpoolServer build() {
        if (host == null) {
            throw new IllegalStateException("no main listener (expected: addHttpListener(port, host))");
        }
        if (handler == null) {
            throw new IllegalStateException("no handler (expected: setHandler(the application's HttpHandler))");
        }
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("--shutdown-grace=" + (shutdownGrace == null ? null
                    : Durations.format(shutdownGrace)) + " (expected: >= 0)");
        }
        if (adminPageWindow == null || adminPageWindow.isNegative()) {
            throw new IllegalArgumentException("--admin-page-window=" + (adminPageWindow == null ? null
                    : Durations.format(adminPageWindow)) + " (expected: >= 0)");
        }
        ServerConfig config = config();
        return new MpoolServer(config, tlsSettings(config), Http2Settings.defaults(config.limits().maxHeaderSize())
                .withEnabled(http2), handler, shutdownGrace, adminPageWindow);
    }

    /** The HTTPS listener's checked settings, or null without one. */
    private TlsSettings tlsSettings(ServerConfig config) {
        if (tlsHost == null) {
            return null;
        }
        TlsSettings settings = new TlsSettings(tlsHost, tlsPort, tlsCertificate, handshakeTimeout);
        if (tlsPort != 0 && (tlsPort == config.port() || config.adminHost() != null && tlsPort == config.adminPort())) {
            throw new IllegalArgumentException("--tls-port=" + tlsPort + " (expected: a port other than --port's and"
                    + " --admin-port's; 0 = any free port)");
        }
        return settings;
    }

    /** The checked settings (the command line's tests read them). */
    ServerConfig config() {
        if (pool == null) {
            throw new IllegalArgumentException("--pool=null (expected: mp or undertow)");
        }
        ServerConfig.PoolKind kind = pool == MpoolServer.PoolKind.MP ? ServerConfig.PoolKind.MP
                : ServerConfig.PoolKind.UNDERTOW;
        RequestLimits limits = new RequestLimits(maxBodySize, maxRequestLine, maxHeaderSize, readTimeout, writeTimeout,
                parseTimeout, idleTimeout, minBodyRate, maxBlockingRequests, bodyInMemoryMax, bodyTempDir,
                bodyMemoryTotal, bodyTempMax);
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, kind, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug, maxConnections,
                maxUnfinishedHeads, maxUnfinishedHeadsPerIp, new AccessLogSettings(accessLog,
                AccessLogSettings.format(accessLogFormat), TrustedProxies.parse(trustedProxies)),
                new ServerFeatures(requestMetrics, gzip));
    }
}
