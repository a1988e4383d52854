package io.mpool.server.config;

import io.mpool.mempool.DebugOptions;
import io.mpool.mempool.ExhaustionPolicy;
import io.mpool.mempool.PageArena;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * The server's effective configuration; every value is checked here, so a bad one stops start-up
 * with a message naming its flag.
 *
 * @param adminHost           the admin listener's address, or null: no admin listener
 * @param pool                {@code mp}: a pool per connection; {@code undertow}: Undertow's stock pool
 * @param connectionMaxBytes  the most pool memory one connection may hold
 * @param limits              sizes and timeouts of one request
 * @param maxConnections      main-listener connections open at once, more are refused with 503;
 *                            0 = derived from the file descriptor limit ({@link ConnectionLimits})
 * @param maxUnfinishedHeads  connections that have not sent a complete request head yet, more are
 *                            refused with 503; 0 = derived ({@link ConnectionLimits})
 * @param maxUnfinishedHeadsPerIp those of them from one client address, more are refused with 503;
 *                            0 = derived ({@link ConnectionLimits})
 * @param accessLog           the access log (one line per request of the main listener): where
 *                            it goes, its format, the proxies whose forwarding headers it believes
 * @param features            request metrics and gzip, on or off
 */
public record ServerConfig(
        String host,
        int port,
        String adminHost,
        int adminPort,
        String adminToken,
        PoolKind pool,
        int bufferSize,
        long arenaMaxBytes,
        ExhaustionPolicy arenaPolicy,
        boolean scrub,
        long connectionMaxBytes,
        int ioThreads,
        int workerThreads,
        RequestLimits limits,
        DebugOptions debug,
        int maxConnections,
        int maxUnfinishedHeads,
        int maxUnfinishedHeadsPerIp,
        AccessLogSettings accessLog,
        ServerFeatures features) {

    /** Which buffer pool the connections use. */
    public enum PoolKind {
        /** One MpPool per connection (the product). */
        MP,
        /** Undertow's stock DefaultByteBufferPool, for side-by-side comparison. */
        UNDERTOW
    }

    // Defaults, written the way a user writes them: Main's options show and read these, and
    // defaults() below parses them with the same converters.

    /** The main listener: every interface, as a server in a container needs. */
    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 8080;
    public static final String LOOPBACK = "127.0.0.1";
    /** The admin listener: loopback only, so it is never exposed by accident. */
    public static final String DEFAULT_ADMIN_HOST = LOOPBACK;
    public static final int DEFAULT_ADMIN_PORT = 9090;
    public static final String DEFAULT_POOL = "mp";
    /** Undertow's own default for a JVM with more than 128 MB of heap; see README for figures. */
    public static final String DEFAULT_BUFFER_SIZE = "16k";
    public static final String DEFAULT_ARENA_MAX = "256m";
    public static final String DEFAULT_ARENA_POLICY = "fail";
    public static final boolean DEFAULT_SCRUB = true;
    /** Room for a connection's buffers and a handler's scratch memory, far below the arena. */
    public static final String DEFAULT_CONNECTION_MAX_BYTES = "8m";
    /** How a user asks for a value derived at start. */
    public static final String AUTO = "auto";
    /**
     * One selector thread per available processor ({@link #availableProcessors()}), as Undertow's
     * builder does; a container limited to fewer CPUs reports fewer.
     */
    public static final String DEFAULT_IO_THREADS = AUTO;
    /** Only blocking handlers (echo?mode=blocking) use workers; --max-blocking-requests caps them. */
    public static final int DEFAULT_WORKER_THREADS = 16;
    /** {@code auto}: derived at start from the file descriptor limit ({@link ConnectionLimits}). */
    public static final String DEFAULT_MAX_CONNECTIONS = ConnectionLimits.AUTO;
    /** {@code auto}: derived at start from the connection limit and the arena ({@link ConnectionLimits}). */
    public static final String DEFAULT_MAX_UNFINISHED_HEADS = ConnectionLimits.AUTO;
    /** {@code auto}: derived at start from the unfinished-head limit ({@link ConnectionLimits}). */
    public static final String DEFAULT_MAX_UNFINISHED_HEADS_PER_IP = ConnectionLimits.AUTO;
    /** Time in-flight requests get when the server stops: well within a container runtime's stop timeout. */
    public static final String DEFAULT_SHUTDOWN_GRACE = "10s";
    /**
     * How often an admin page ({@code /metrics}, {@code /admin/pools}) may be built: a dashboard
     * polls once a second; Prometheus scrapes every 15 s to a minute.
     */
    public static final String DEFAULT_ADMIN_PAGE_WINDOW = "1s";
    /** No access log: a line per request is for debugging and audits, not for every server. */
    public static final String DEFAULT_ACCESS_LOG = AccessLogSettings.DEFAULT_TARGET;

    // Bounds.

    public static final int MIN_BUFFER_SIZE = 512;
    public static final int MAX_BUFFER_SIZE = 1 << 20;
    /** The smallest arena: 16 pages, a few connections' worth. */
    public static final long MIN_ARENA_MAX = 16L * PageArena.PAGE_SIZE;
    public static final int MAX_IO_THREADS = 256;
    public static final int MAX_WORKER_THREADS = 4096;
    public static final int MAX_PORT = 65535;

    public ServerConfig {
        requireHost("--host", host);
        requirePort("--port", port);
        if (adminHost != null) {
            requireHost("--admin-host", adminHost);
        }
        requirePort("--admin-port", adminPort);
        if (adminHost != null && port != 0 && port == adminPort) {
            throw new IllegalArgumentException("--admin-port=" + adminPort + " (expected: a port other than --port's; 0 ="
                    + " any free port)");
        }
        if (adminToken != null && adminToken.isBlank()) {
            throw new IllegalArgumentException("--admin-token is blank (expected: a secret, or leave it unset)");
        }
        if (pool == null) {
            throw new IllegalArgumentException("--pool=null (expected: mp or undertow)");
        }
        if (bufferSize < MIN_BUFFER_SIZE || bufferSize > MAX_BUFFER_SIZE) {
            throw new IllegalArgumentException("--buffer-size=" + bufferSize + " (expected: "
                    + Sizes.range(MIN_BUFFER_SIZE, MAX_BUFFER_SIZE) + ")");
        }
        if (arenaMaxBytes < MIN_ARENA_MAX) {
            throw new IllegalArgumentException("--arena-max=" + arenaMaxBytes + " (expected: at least "
                    + Sizes.describe(MIN_ARENA_MAX) + ")");
        }
        if (connectionMaxBytes < bufferSize + PageArena.PAGE_SIZE || connectionMaxBytes > arenaMaxBytes) {
            throw new IllegalArgumentException("--connection-max-bytes=" + connectionMaxBytes
                    + " (expected: " + Sizes.range(bufferSize + PageArena.PAGE_SIZE, arenaMaxBytes)
                    + ", at least one buffer plus a node and at most --arena-max)");
        }
        if (ioThreads < 1 || ioThreads > MAX_IO_THREADS) {
            throw new IllegalArgumentException("--io-threads=" + ioThreads + " (expected: 1.." + MAX_IO_THREADS + ")");
        }
        if (workerThreads < 1 || workerThreads > MAX_WORKER_THREADS) {
            throw new IllegalArgumentException("--worker-threads=" + workerThreads + " (expected: 1.."
                    + MAX_WORKER_THREADS + ")");
        }
        if (limits == null) {
            throw new IllegalArgumentException("limits=null (expected: RequestLimits.DEFAULTS or a value)");
        }
        if (maxConnections < 0) {
            throw new IllegalArgumentException("--max-connections=" + maxConnections
                    + " (expected: >= 1, or auto (0): derived from the file descriptor limit)");
        }
        if (maxUnfinishedHeads < 0) {
            throw new IllegalArgumentException("--max-unfinished-heads=" + maxUnfinishedHeads
                    + " (expected: >= 1, or auto (0): derived from --max-connections and --arena-max)");
        }
        if (maxConnections > 0 && maxUnfinishedHeads > maxConnections) {
            throw new IllegalArgumentException("--max-unfinished-heads=" + maxUnfinishedHeads
                    + " (expected: at most --max-connections=" + maxConnections + ")");
        }
        if (maxUnfinishedHeadsPerIp < 0) {
            throw new IllegalArgumentException("--max-unfinished-heads-per-ip=" + maxUnfinishedHeadsPerIp
                    + " (expected: >= 1, or auto (0): derived from --max-unfinished-heads)");
        }
        if (maxUnfinishedHeads > 0 && maxUnfinishedHeadsPerIp > maxUnfinishedHeads) {
            throw new IllegalArgumentException("--max-unfinished-heads-per-ip=" + maxUnfinishedHeadsPerIp
                    + " (expected: at most --max-unfinished-heads=" + maxUnfinishedHeads + ")");
        }
        if (accessLog == null) {
            throw new IllegalArgumentException("accessLog=null (expected: AccessLogSettings.DEFAULTS or others)");
        }
        if (features == null) {
            throw new IllegalArgumentException("features=null (expected: ServerFeatures.DEFAULTS or others)");
        }
        if (adminHost != null && !isLoopback(adminHost) && adminToken == null) {
            throw new IllegalArgumentException("--admin-host=" + adminHost + " is not a loopback address and no"
                    + " --admin-token (or MPOOL_ADMIN_TOKEN) is set: refusing to expose the admin endpoint"
                    + " without a token");
        }
    }

    /**
     * Defaults everywhere but the main listener, which binds to loopback like the admin one, and
     * the ports, as given (0 = ephemeral), and the admin listener on: for tests (embedders use
     * {@code MpoolServer.builder()}, whose admin listener is off unless asked).
     */
    public static ServerConfig defaults(int port, int adminPort) {
        return new ServerConfig(LOOPBACK, port, DEFAULT_ADMIN_HOST, adminPort, null,
                OptionConverters.poolKind(DEFAULT_POOL), OptionConverters.intByteSize(DEFAULT_BUFFER_SIZE),
                OptionConverters.byteSize(DEFAULT_ARENA_MAX), OptionConverters.policy(DEFAULT_ARENA_POLICY),
                DEFAULT_SCRUB, OptionConverters.byteSize(DEFAULT_CONNECTION_MAX_BYTES),
                OptionConverters.ioThreads(DEFAULT_IO_THREADS),
                DEFAULT_WORKER_THREADS, RequestLimits.DEFAULTS, DebugOptions.FROM_SYSTEM_PROPERTIES,
                OptionConverters.limit(DEFAULT_MAX_CONNECTIONS), OptionConverters.limit(DEFAULT_MAX_UNFINISHED_HEADS),
                OptionConverters.limit(DEFAULT_MAX_UNFINISHED_HEADS_PER_IP), AccessLogSettings.DEFAULTS,
                ServerFeatures.DEFAULTS);
    }

    public ServerConfig withPool(PoolKind kind) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, kind, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug, maxConnections,
                maxUnfinishedHeads, maxUnfinishedHeadsPerIp, accessLog, features);
    }

    public ServerConfig withAdmin(String host, String token) {
        return new ServerConfig(this.host, port, host, adminPort, token, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug, maxConnections,
                maxUnfinishedHeads, maxUnfinishedHeadsPerIp, accessLog, features);
    }

    public ServerConfig withMemory(int bufferSize, long arenaMaxBytes, long connectionMaxBytes) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug, maxConnections,
                maxUnfinishedHeads, maxUnfinishedHeadsPerIp, accessLog, features);
    }

    public ServerConfig withLimits(RequestLimits limits) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug, maxConnections,
                maxUnfinishedHeads, maxUnfinishedHeadsPerIp, accessLog, features);
    }

    public ServerConfig withDebug(DebugOptions debug) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug, maxConnections,
                maxUnfinishedHeads, maxUnfinishedHeadsPerIp, accessLog, features);
    }

    /** Accept-side limits; 0 = derived at start ({@link ConnectionLimits}). */
    public ServerConfig withConnectionLimits(int maxConnections, int maxUnfinishedHeads) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug, maxConnections,
                maxUnfinishedHeads, maxUnfinishedHeadsPerIp, accessLog, features);
    }

    /** The unfinished-head limit per client address; 0 = derived at start ({@link ConnectionLimits}). */
    public ServerConfig withUnfinishedHeadsPerIp(int maxUnfinishedHeadsPerIp) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug, maxConnections,
                maxUnfinishedHeads, maxUnfinishedHeadsPerIp, accessLog, features);
    }

    /** The access log to {@code target}, its format and trusted proxies as they were. */
    public ServerConfig withAccessLog(String target) {
        return withAccessLog(accessLog.withTarget(target));
    }

    public ServerConfig withAccessLog(AccessLogSettings accessLog) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug, maxConnections,
                maxUnfinishedHeads, maxUnfinishedHeadsPerIp, accessLog, features);
    }

    public ServerConfig withFeatures(ServerFeatures features) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug, maxConnections,
                maxUnfinishedHeads, maxUnfinishedHeadsPerIp, accessLog, features);
    }

    /** Whether the admin listener runs (an admin host is set). */
    public boolean adminEnabled() {
        return adminHost != null;
    }

    /** What {@code auto} IO threads means: the processors the JVM may use, at most {@link #MAX_IO_THREADS}. */
    public static int availableProcessors() {
        return Math.min(Runtime.getRuntime().availableProcessors(), MAX_IO_THREADS);
    }

    public ServerConfig withIoThreads(int ioThreads) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug, maxConnections,
                maxUnfinishedHeads, maxUnfinishedHeadsPerIp, accessLog, features);
    }

    public static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static void requireHost(String flag, String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException(flag + " is empty (expected: an address or host name)");
        }
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(flag + "=" + host + " (expected: an address or a resolvable host name)");
        }
    }

    static void requirePort(String flag, int port) {
        if (port < 0 || port > MAX_PORT) {
            throw new IllegalArgumentException(flag + "=" + port + " (expected: 0.." + MAX_PORT + ", 0 = any free port)");
        }
    }

    /** One line for the startup log. Never prints the token. */
    @Override
    public String toString() {
        return "pool=" + pool.name().toLowerCase(Locale.ROOT) + " bufferSize=" + bufferSize + " arenaMax=" + arenaMaxBytes
                + " arenaPolicy=" + arenaPolicy + " scrub=" + scrub + " connectionMaxBytes=" + connectionMaxBytes
                + " ioThreads=" + ioThreads + " workerThreads=" + workerThreads
                + " maxConnections=" + ConnectionLimits.show(maxConnections)
                + " maxUnfinishedHeads=" + ConnectionLimits.show(maxUnfinishedHeads)
                + " maxUnfinishedHeadsPerIp=" + ConnectionLimits.show(maxUnfinishedHeadsPerIp) + " " + limits
                + " admin=" + (adminHost == null ? "off" : "on") + " adminToken=" + (adminToken == null ? "none" : "set")
                + " debug=[" + debug + "]"
                + " accessLog=" + accessLog + " " + features;
    }
}
