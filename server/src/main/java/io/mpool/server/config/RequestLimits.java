package io.mpool.server.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What one client may cost the server: sizes and timeouts of a request. Every value is checked
 * here and a bad one names its flag.
 *
 * @param maxBodyBytes        largest request body, 0 = no limit (the routes stream bodies); also
 *                            what bounds a {@code RequestBody} spilled to disk
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
        Path bodyTempDir) {

    // Defaults, written the way a user writes them: Main's options show and read these, and
    // DEFAULTS below parses them with the same converters. The timeouts are nginx-like
    // (client_body_timeout and send_timeout are 60 s there).

    /** 0: no limit; the routes stream bodies of any size through a few pool buffers. */
    public static final String DEFAULT_MAX_BODY_SIZE = "0";
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

    /** How long a body may be slow before the minimum rate applies (a TCP slow start, a hiccup). */
    public static final int BODY_RATE_GRACE_SECONDS = 5;
    public static final Duration BODY_RATE_GRACE = Duration.ofSeconds(BODY_RATE_GRACE_SECONDS);

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
            Path.of(DEFAULT_BODY_TEMP_DIR));

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
    }

    private static void positive(String flag, Duration value) {
        if (value == null || value.isNegative() || value.toMillis() == 0 || value.toMillis() > MAX_TIMEOUT_MILLIS) {
            throw new IllegalArgumentException(flag + "=" + (value == null ? null : Durations.format(value))
                    + " (expected: 1ms.." + MAX_TIMEOUT_MILLIS + "ms)");
        }
    }

    public RequestLimits withTimeouts(Duration read, Duration write, Duration parse, Duration idle) {
        return new RequestLimits(maxBodyBytes, maxRequestLine, maxHeaderSize, read, write, parse, idle, minBodyRate,
                maxBlockingRequests, bodyInMemoryMax, bodyTempDir);
    }

    public RequestLimits withMaxBody(long maxBodyBytes) {
        return new RequestLimits(maxBodyBytes, maxRequestLine, maxHeaderSize, readTimeout, writeTimeout, parseTimeout,
                idleTimeout, minBodyRate, maxBlockingRequests, bodyInMemoryMax, bodyTempDir);
    }

    public RequestLimits withBody(long minBodyRate, int maxBlockingRequests) {
        return new RequestLimits(maxBodyBytes, maxRequestLine, maxHeaderSize, readTimeout, writeTimeout, parseTimeout,
                idleTimeout, minBodyRate, maxBlockingRequests, bodyInMemoryMax, bodyTempDir);
    }

    public RequestLimits withBodyInMemory(long bodyInMemoryMax, Path bodyTempDir) {
        return new RequestLimits(maxBodyBytes, maxRequestLine, maxHeaderSize, readTimeout, writeTimeout, parseTimeout,
                idleTimeout, minBodyRate, maxBlockingRequests, bodyInMemoryMax, bodyTempDir);
    }

    @Override
    public String toString() {
        return "maxBodyBytes=" + maxBodyBytes + " maxRequestLine=" + maxRequestLine + " maxHeaderSize=" + maxHeaderSize
                + " readTimeout=" + Durations.format(readTimeout) + " writeTimeout=" + Durations.format(writeTimeout)
                + " parseTimeout=" + Durations.format(parseTimeout) + " idleTimeout=" + Durations.format(idleTimeout)
                + " minBodyRate=" + minBodyRate + " maxBlockingRequests=" + maxBlockingRequests
                + " bodyInMemoryMax=" + bodyInMemoryMax + " bodyTempDir=" + bodyTempDir;
    }
}
