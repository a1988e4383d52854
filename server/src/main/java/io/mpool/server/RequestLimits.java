package io.mpool.server;

import java.time.Duration;

/**
 * What one client may cost the server: sizes and timeouts of a request. Every value is checked
 * here and a bad one names its flag.
 *
 * @param maxBodyBytes        largest request body, 0 = no limit (the routes stream bodies)
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
        int maxBlockingRequests) {

    /** How long a body may be slow before the minimum rate applies (a TCP slow start, a hiccup). */
    public static final Duration BODY_RATE_GRACE = Duration.ofSeconds(5);
    /** nginx's large_client_header_buffers default allows 8k per line; the same here. */
    public static final int DEFAULT_MAX_REQUEST_LINE = 8 * 1024;
    public static final int DEFAULT_MAX_HEADER_SIZE = 64 * 1024;

    /** The defaults: nginx-like timeouts (client_body_timeout and send_timeout are 60 s there). */
    public static final RequestLimits DEFAULTS = new RequestLimits(0, DEFAULT_MAX_REQUEST_LINE, DEFAULT_MAX_HEADER_SIZE,
            Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(60), 1024, 8);

    public RequestLimits {
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("--max-body-size=" + maxBodyBytes + " (expected: >= 0, 0 = no limit)");
        }
        if (maxRequestLine < 64 || maxRequestLine > (1 << 20)) {
            throw new IllegalArgumentException("--max-request-line=" + maxRequestLine + " (expected: 64..1048576 bytes)");
        }
        if (maxHeaderSize < maxRequestLine || maxHeaderSize > (1 << 24)) {
            throw new IllegalArgumentException("--max-header-size=" + maxHeaderSize + " (expected: "
                    + maxRequestLine + "..16777216 bytes, at least --max-request-line)");
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
    }

    private static void positive(String flag, Duration value) {
        if (value == null || value.isNegative() || value.isZero() || value.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(flag + "=" + (value == null ? null : value.toMillis() + "ms")
                    + " (expected: a positive number of seconds)");
        }
    }

    public RequestLimits withTimeouts(Duration read, Duration write, Duration parse, Duration idle) {
        return new RequestLimits(maxBodyBytes, maxRequestLine, maxHeaderSize, read, write, parse, idle, minBodyRate,
                maxBlockingRequests);
    }

    public RequestLimits withMaxBody(long maxBodyBytes) {
        return new RequestLimits(maxBodyBytes, maxRequestLine, maxHeaderSize, readTimeout, writeTimeout, parseTimeout,
                idleTimeout, minBodyRate, maxBlockingRequests);
    }

    public RequestLimits withBody(long minBodyRate, int maxBlockingRequests) {
        return new RequestLimits(maxBodyBytes, maxRequestLine, maxHeaderSize, readTimeout, writeTimeout, parseTimeout,
                idleTimeout, minBodyRate, maxBlockingRequests);
    }

    @Override
    public String toString() {
        return "maxBodyBytes=" + maxBodyBytes + " maxRequestLine=" + maxRequestLine + " maxHeaderSize=" + maxHeaderSize
                + " readTimeout=" + readTimeout.toSeconds() + "s writeTimeout=" + writeTimeout.toSeconds()
                + "s parseTimeout=" + parseTimeout.toSeconds() + "s idleTimeout=" + idleTimeout.toSeconds()
                + "s minBodyRate=" + minBodyRate + " maxBlockingRequests=" + maxBlockingRequests;
    }
}
