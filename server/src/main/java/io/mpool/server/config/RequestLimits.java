package io.mpool.server.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What one client may cost the server: sizes and timeouts of a request. Every value is checked
 * here and a bad one names its flag.
 *
 * @param maxBodyBytes        largest request body, 0 = no limit; also what bounds a
 *                            {@code RequestBody} spilled to disk
 * @param maxRequestLine      longest request line (longer: 414)
 * @param maxHeaderSize       largest request head, request line and headers (larger: 431)
 * @param readTimeout         a read that waits this long for data closes the connection
 * @param writeTimeout        a write that waits this long for the client closes the connection
 * @param parseTimeout        a request head must arrive within this (slowloris)
 * @param idleTimeout         a keep-alive connection with no request for this long is closed
 * @param minBodyRate         bytes per second a body must average once {@link #BODY_RATE_GRACE}
 *                            has passed (slower: 408); 0 = no minimum
 * @param maxBlockingRequests blocking handlers running at once (more: 503), so slow bodies can
 *                            never take every worker thread
 * @param bodyInMemoryMax     a whole body read with {@code RequestBody} stays in the connection's
 *                            pool up to this many bytes; a larger one goes to a temp file
 * @param bodyTempDir         where those temp files go (must exist and be writable)
 * @param bodyMemoryTotal     pool memory all bodies held in memory may take together; past it a
 *                            new body goes to a temp file at once; 0 = a quarter of the arena
 * @param bodyTempMax         bytes all live temp files may hold together; a body that would pass
 *                            it gets 503; 0 = no limit
 */
public record RequestLimits(
        long maxBodyBytes,
        int maxRequestLine,
        int maxHeaderSize,
        Duration readTimeout,
        Duration writeTimeout,
        Duration parseTimeout,
        Duration idleTimeout,
        long minBodyRate,
        int maxBlockingRequests,
        long bodyInMemoryMax,
        Path bodyTempDir,
        long bodyMemoryTotal,
        long bodyTempMax) {

    // Defaults, written the way a user writes them: Main's options show and read these, and
    // DEFAULTS below parses them with the same converters. The timeouts are nginx-like
    // (client_body_timeout and send_timeout are 60 s there).

    /**
     * 1 GiB, the default of {@link #DEFAULT_BODY_TEMP_MAX}: a whole body larger than that could
     * never be stored, so it is refused (413) before it is read. nginx's 1 MB suits a proxy that
     * buffers every body; here the streaming routes carry large uploads through a few pool
     * buffers, so the bound is set by the disk budget instead.
     */
    public static final String DEFAULT_MAX_BODY_SIZE = "1g";
    /** nginx's large_client_header_buffers default allows 8k per line; the same here. */
    public static final String DEFAULT_MAX_REQUEST_LINE = "8k";
    public static final String DEFAULT_MAX_HEADER_SIZE = "64k";
    public static final String DEFAULT_READ_TIMEOUT = "30s";
    public static final String DEFAULT_WRITE_TIMEOUT = "60s";
    public static final String DEFAULT_PARSE_TIMEOUT = "10s";
    public static final String DEFAULT_IDLE_TIMEOUT = "60s";
    public static final String DEFAULT_MIN_BODY_RATE = "1k";
    public static final int DEFAULT_MAX_BLOCKING_REQUESTS = 8;
    /**
     * 1 MiB: a spilled body cost 1.4-2.8x the CPU of one kept in memory (256 KB to 4 MB, measured in
     * docs/request-body.md), so as high as memory allows: the arena's largest cached block class,
     * an eighth of the default connection cap, about 200 whole bodies at once in the default arena.
     */
    public static final String DEFAULT_BODY_IN_MEMORY_MAX = "1m";
    /** The JVM's temp dir. */
    public static final String DEFAULT_BODY_TEMP_DIR = System.getProperty("java.io.tmpdir");
    /**
     * 0: a quarter of the arena ({@code --arena-max}). Bodies held in memory are the one use of
     * the arena a client can stretch at will (a body just under {@code --body-in-memory-max},
     * then a byte now and then); a quarter leaves three quarters for connections and responses.
     */
    public static final String DEFAULT_BODY_MEMORY_TOTAL = "0";
    /** The share of the arena bodies in memory take together by default. */
    public static final int BODY_MEMORY_ARENA_SHARE = 4;
    /** 1 GiB of temp files at once: enough for a thousand spilled 1 MB bodies, small beside most disks. */
    public static final String DEFAULT_BODY_TEMP_MAX = "1g";

    /** How long a body may be slow before the minimum rate applies (a TCP slow start, a hiccup). */
    public static final int BODY_RATE_GRACE_SECONDS = 5;
    public static final Duration BODY_RATE_GRACE = Duration.ofSeconds(BODY_RATE_GRACE_SECONDS);
    /**
     * The floor also holds over every window of this length, not only on average since the first
     * byte: a body that came fast and then trickles (a byte every 20 s, holding its memory) is
     * answered 408 within about this long. Twice the grace, so a pause of a few seconds passes.
     */
    public static final int BODY_RATE_WINDOW_SECONDS = 2 * BODY_RATE_GRACE_SECONDS;

    // Bounds.

    /** Room for a method, a short path and the version. */
    public static final int MIN_REQUEST_LINE = 64;
    public static final int MAX_REQUEST_LINE = 1 << 20;
    public static final int MAX_HEADER_SIZE = 1 << 24;
    /** Undertow takes its timeouts as int milliseconds: about 24 days. */
    public static final long MAX_TIMEOUT_MILLIS = Integer.MAX_VALUE;
    /** A body in memory is a chain of pool blocks under the connection's cap: 1 GiB is far past any cap. */
    public static final long MAX_BODY_IN_MEMORY = 1L << 30;

    public static final RequestLimits DEFAULTS = new RequestLimits(
            OptionConverters.byteSize(DEFAULT_MAX_BODY_SIZE),
            OptionConverters.intByteSize(DEFAULT_MAX_REQUEST_LINE),
            OptionConverters.intByteSize(DEFAULT_MAX_HEADER_SIZE),
            OptionConverters.interval(DEFAULT_READ_TIMEOUT),
            OptionConverters.interval(DEFAULT_WRITE_TIMEOUT),
            OptionConverters.interval(DEFAULT_PARSE_TIMEOUT),
            OptionConverters.interval(DEFAULT_IDLE_TIMEOUT),
            OptionConverters.byteSize(DEFAULT_MIN_BODY_RATE),
            DEFAULT_MAX_BLOCKING_REQUESTS,
            OptionConverters.byteSize(DEFAULT_BODY_IN_MEMORY_MAX),
            Path.of(DEFAULT_BODY_TEMP_DIR),
            OptionConverters.byteSize(DEFAULT_BODY_MEMORY_TOTAL),
            OptionConverters.byteSize(DEFAULT_BODY_TEMP_MAX));

    public RequestLimits {
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("--max-body-size=" + maxBodyBytes + " (expected: >= 0, 0 = no limit)");
        }
        if (maxRequestLine < MIN_REQUEST_LINE || maxRequestLine > MAX_REQUEST_LINE) {
            throw new IllegalArgumentException("--max-request-line=" + maxRequestLine + " (expected: "
                    + Sizes.range(MIN_REQUEST_LINE, MAX_REQUEST_LINE) + ")");
        }
        if (maxHeaderSize < maxRequestLine || maxHeaderSize > MAX_HEADER_SIZE) {
            throw new IllegalArgumentException("--max-header-size=" + maxHeaderSize + " (expected: "
                    + Sizes.range(maxRequestLine, MAX_HEADER_SIZE) + ", at least --max-request-line)");
        }
        positive("--read-timeout", readTimeout);
        positive("--write-timeout", writeTimeout);
        positive("--parse-timeout", parseTimeout);
        positive("--idle-timeout", idleTimeout);
        if (minBodyRate < 0) {
            throw new IllegalArgumentException("--min-body-rate=" + minBodyRate + " (expected: >= 0 bytes/s, 0 = no minimum)");
        }
        if (maxBlockingRequests < 1) {
            throw new IllegalArgumentException("--max-blocking-requests=" + maxBlockingRequests + " (expected: >= 1)");
        }
        if (bodyInMemoryMax < 0 || bodyInMemoryMax > MAX_BODY_IN_MEMORY) {
            throw new IllegalArgumentException("--body-in-memory-max=" + bodyInMemoryMax + " (expected: 0.."
                    + MAX_BODY_IN_MEMORY + " bytes, 0 = every non-empty body to a temp file)");
        }
        if (bodyTempDir == null || !Files.isDirectory(bodyTempDir) || !Files.isWritable(bodyTempDir)) {
            throw new IllegalArgumentException("--body-temp-dir=" + bodyTempDir
                    + " (expected: an existing, writable directory)");
        }
        if (bodyMemoryTotal < 0) {
            throw new IllegalArgumentException("--body-memory-total=" + bodyMemoryTotal
                    + " (expected: >= 0 bytes, 0 = a quarter of --arena-max)");
        }
        if (bodyTempMax < 0) {
            throw new IllegalArgumentException("--body-temp-max=" + bodyTempMax + " (expected: >= 0 bytes, 0 = no limit)");
        }
    }

    private static void positive(String flag, Duration value) {
        if (value == null || value.isNegative() || value.toMillis() == 0 || value.toMillis() > MAX_TIMEOUT_MILLIS) {
            throw new IllegalArgumentException(flag + "=" + (value == null ? null : Durations.format(value))
                    + " (expected: 1ms.." + MAX_TIMEOUT_MILLIS + "ms)");
        }
    }

    public RequestLimits withTimeouts(Duration read, Duration write, Duration parse, Duration idle) {
        return new RequestLimits(maxBodyBytes, maxRequestLine, maxHeaderSize, read, write, parse, idle, minBodyRate,
                maxBlockingRequests, bodyInMemoryMax, bodyTempDir, bodyMemoryTotal, bodyTempMax);
    }

    public RequestLimits withMaxBody(long maxBodyBytes) {
        return new RequestLimits(maxBodyBytes, maxRequestLine, maxHeaderSize, readTimeout, writeTimeout, parseTimeout,
                idleTimeout, minBodyRate, maxBlockingRequests, bodyInMemoryMax, bodyTempDir, bodyMemoryTotal, bodyTempMax);
    }

    public RequestLimits withBody(long minBodyRate, int maxBlockingRequests) {
        return new RequestLimits(maxBodyBytes, maxRequestLine, maxHeaderSize, readTimeout, writeTimeout, parseTimeout,
                idleTimeout, minBodyRate, maxBlockingRequests, bodyInMemoryMax, bodyTempDir, bodyMemoryTotal, bodyTempMax);
    }

    public RequestLimits withBodyInMemory(long bodyInMemoryMax, Path bodyTempDir) {
        return new RequestLimits(maxBodyBytes, maxRequestLine, maxHeaderSize, readTimeout, writeTimeout, parseTimeout,
                idleTimeout, minBodyRate, maxBlockingRequests, bodyInMemoryMax, bodyTempDir, bodyMemoryTotal, bodyTempMax);
    }

    public RequestLimits withBodyBudgets(long bodyMemoryTotal, long bodyTempMax) {
        return new RequestLimits(maxBodyBytes, maxRequestLine, maxHeaderSize, readTimeout, writeTimeout, parseTimeout,
                idleTimeout, minBodyRate, maxBlockingRequests, bodyInMemoryMax, bodyTempDir, bodyMemoryTotal,
                bodyTempMax);
    }

    @Override
    public String toString() {
        return "maxBodyBytes=" + maxBodyBytes + " maxRequestLine=" + maxRequestLine + " maxHeaderSize=" + maxHeaderSize
                + " readTimeout=" + Durations.format(readTimeout) + " writeTimeout=" + Durations.format(writeTimeout)
                + " parseTimeout=" + Durations.format(parseTimeout) + " idleTimeout=" + Durations.format(idleTimeout)
                + " minBodyRate=" + minBodyRate + " maxBlockingRequests=" + maxBlockingRequests
                + " bodyInMemoryMax=" + bodyInMemoryMax + " bodyTempDir=" + bodyTempDir
                + " bodyMemoryTotal=" + bodyMemoryTotal + " bodyTempMax=" + bodyTempMax;
    }
}
