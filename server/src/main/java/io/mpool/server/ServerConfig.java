package io.mpool.server;

import io.mpool.mempool.DebugOptions;
import io.mpool.mempool.ExhaustionPolicy;
import io.mpool.mempool.PageArena;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The server's effective configuration; every value is checked here, so a bad one stops start-up
 * with a message naming its flag.
 *
 * @param pool                {@code mp}: a pool per connection; {@code undertow}: Undertow's stock pool
 * @param connectionMaxBytes  the most pool memory one connection may hold
 * @param limits              sizes and timeouts of one request
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
        DebugOptions debug) {

    /** Which buffer pool the connections use. */
    public enum PoolKind {
        /** One MpPool per connection (the product). */
        MP,
        /** Undertow's stock DefaultByteBufferPool, for side-by-side comparison. */
        UNDERTOW
    }

    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_ADMIN_PORT = 9090;
    /** Undertow's own default for a JVM with more than 128 MB of heap; see README for figures. */
    public static final int DEFAULT_BUFFER_SIZE = 16 * 1024;
    public static final long DEFAULT_ARENA_MAX = 256L << 20;
    public static final long DEFAULT_CONNECTION_MAX = 8L << 20;

    public ServerConfig {
        requireHost("--host", host);
        requirePort("--port", port);
        requireHost("--admin-host", adminHost);
        requirePort("--admin-port", adminPort);
        if (adminToken != null && adminToken.isBlank()) {
            throw new IllegalArgumentException("--admin-token is blank (expected: a secret, or leave it unset)");
        }
        if (pool == null) {
            throw new IllegalArgumentException("--pool=null (expected: mp or undertow)");
        }
        if (bufferSize < 512 || bufferSize > (1 << 20)) {
            throw new IllegalArgumentException("--buffer-size=" + bufferSize + " (expected: 512..1048576 bytes)");
        }
        if (arenaMaxBytes < PageArena.PAGE_SIZE * 16L) {
            throw new IllegalArgumentException("--arena-max=" + arenaMaxBytes + " (expected: at least 65536 bytes)");
        }
        if (connectionMaxBytes < bufferSize + PageArena.PAGE_SIZE || connectionMaxBytes > arenaMaxBytes) {
            throw new IllegalArgumentException("--connection-max-bytes=" + connectionMaxBytes
                    + " (expected: " + (bufferSize + PageArena.PAGE_SIZE) + ".." + arenaMaxBytes
                    + ", at least one buffer plus a node and at most --arena-max)");
        }
        if (ioThreads < 1 || ioThreads > 256) {
            throw new IllegalArgumentException("--io-threads=" + ioThreads + " (expected: 1..256)");
        }
        if (workerThreads < 1 || workerThreads > 4096) {
            throw new IllegalArgumentException("--worker-threads=" + workerThreads + " (expected: 1..4096)");
        }
        if (limits == null) {
            throw new IllegalArgumentException("limits=null (expected: RequestLimits.DEFAULTS or a value)");
        }
        if (!isLoopback(adminHost) && adminToken == null) {
            throw new IllegalArgumentException("--admin-host=" + adminHost + " is not a loopback address and no"
                    + " --admin-token (or MPOOL_ADMIN_TOKEN) is set: refusing to expose the admin endpoint"
                    + " without a token");
        }
    }

    /** Defaults everywhere, ports as given (0 = ephemeral): for tests and embedding. */
    public static ServerConfig defaults(int port, int adminPort) {
        return new ServerConfig("127.0.0.1", port, "127.0.0.1", adminPort, null, PoolKind.MP,
                DEFAULT_BUFFER_SIZE, DEFAULT_ARENA_MAX, ExhaustionPolicy.FAIL, true, DEFAULT_CONNECTION_MAX,
                1, 16, RequestLimits.DEFAULTS, DebugOptions.FROM_SYSTEM_PROPERTIES);
    }

    public ServerConfig withPool(PoolKind kind) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, kind, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug);
    }

    public ServerConfig withAdmin(String host, String token) {
        return new ServerConfig(this.host, port, host, adminPort, token, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug);
    }

    public ServerConfig withMemory(int bufferSize, long arenaMaxBytes, long connectionMaxBytes) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug);
    }

    public ServerConfig withLimits(RequestLimits limits) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug);
    }

    public ServerConfig withDebug(DebugOptions debug) {
        return new ServerConfig(host, port, adminHost, adminPort, adminToken, pool, bufferSize, arenaMaxBytes,
                arenaPolicy, scrub, connectionMaxBytes, ioThreads, workerThreads, limits, debug);
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static void requireHost(String flag, String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException(flag + " is empty (expected: an address or host name)");
        }
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(flag + "=" + host + " (expected: an address or a resolvable host name)");
        }
    }

    private static void requirePort(String flag, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(flag + "=" + port + " (expected: 0..65535, 0 = any free port)");
        }
    }

    /** One line for the startup log. Never prints the token. */
    @Override
    public String toString() {
        return "pool=" + pool.name().toLowerCase() + " bufferSize=" + bufferSize + " arenaMax=" + arenaMaxBytes
                + " arenaPolicy=" + arenaPolicy + " scrub=" + scrub + " connectionMaxBytes=" + connectionMaxBytes
                + " ioThreads=" + ioThreads + " workerThreads=" + workerThreads + " " + limits
                + " adminToken=" + (adminToken == null ? "none" : "set") + " debug=[" + debug + "]";
    }
}
