package io.mpool.server.config;

import java.time.Duration;

/**
 * HTTP/2 on the listeners: h2 by ALPN on the HTTPS listener, h2c with prior knowledge on the
 * plain one, and the limits of each HTTP/2 connection. Where Undertow has no limit of its own,
 * nginx's default is taken.
 *
 * @param enabled              whether HTTP/2 is offered at all ({@code --http2}/{@code --no-http2})
 * @param maxConcurrentStreams streams a client may have open at once; more are refused with
 *                             RST_STREAM REFUSED_STREAM (advertised in SETTINGS)
 * @param maxHeaderListSize    bytes of a request's decoded header list (advertised in SETTINGS),
 *                             and of its compressed header block across CONTINUATION frames
 * @param initialWindowSize    bytes of request body a client may send on a stream before the
 *                             server's WINDOW_UPDATE
 * @param maxResetsPerWindow   RST_STREAM frames a client may send within {@code resetWindow}; one
 *                             more closes the connection with GOAWAY ENHANCE_YOUR_CALM (rapid reset)
 */
public record Http2Settings(boolean enabled, int maxConcurrentStreams, int maxHeaderListSize, int initialWindowSize,
                           int maxResetsPerWindow, Duration resetWindow) {
    /** nginx's {@code http2_max_concurrent_streams} default (Undertow sets no limit). */
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 128;
    /** nginx's {@code http2_body_preread_size} default, which nginx sends as the initial window. */
    public static final int DEFAULT_INITIAL_WINDOW_SIZE = 65_536;
    /** Undertow's {@code UndertowOptions.DEFAULT_MAX_RST_FRAMES_PER_WINDOW} (2.3 and 2.4). */
    public static final int DEFAULT_MAX_RESETS_PER_WINDOW = 200;
    /** Undertow's {@code UndertowOptions.DEFAULT_RST_FRAMES_TIME_WINDOW} (30,000 ms in 2.3 and 2.4). */
    public static final Duration DEFAULT_RESET_WINDOW = Duration.ofSeconds(30);
    /** The largest initial window HTTP/2 allows (RFC 9113, 6.9.2: 2^31 - 1). */
    private static final int MAX_WINDOW_SIZE = Integer.MAX_VALUE;

    /**
     * The most header list bytes Undertow's HTTP/2 (2.3 and 2.4) takes whatever it is told (its
     * {@code io.undertow.http2-max-header-size} default), so the most it advertises.
     */
    public static final int UNDERTOW_MAX_HEADER_LIST_SIZE = 20_000;

    /**
     * HTTP/2 on, with these defaults and the header limit of HTTP/1.1 ({@code --max-header-size}),
     * at most {@link #UNDERTOW_MAX_HEADER_LIST_SIZE}.
     */
    public static Http2Settings defaults(int maxHeaderSize) {
        return new Http2Settings(true, DEFAULT_MAX_CONCURRENT_STREAMS, Math.min(maxHeaderSize,
                UNDERTOW_MAX_HEADER_LIST_SIZE), DEFAULT_INITIAL_WINDOW_SIZE, DEFAULT_MAX_RESETS_PER_WINDOW,
                DEFAULT_RESET_WINDOW);
    }

    public Http2Settings {
        if (maxConcurrentStreams < 1) {
            throw new IllegalArgumentException("maxConcurrentStreams=" + maxConcurrentStreams + " (expected: >= 1)");
        }
        if (maxHeaderListSize < 1) {
            throw new IllegalArgumentException("maxHeaderListSize=" + maxHeaderListSize + " (expected: >= 1)");
        }
        if (initialWindowSize < 1 || initialWindowSize > MAX_WINDOW_SIZE) {
            throw new IllegalArgumentException("initialWindowSize=" + initialWindowSize + " (expected: 1.."
                    + MAX_WINDOW_SIZE + ")");
        }
        if (maxResetsPerWindow < 1) {
            throw new IllegalArgumentException("maxResetsPerWindow=" + maxResetsPerWindow + " (expected: >= 1)");
        }
        if (resetWindow == null || resetWindow.isNegative() || resetWindow.isZero()) {
            throw new IllegalArgumentException("resetWindow=" + resetWindow + " (expected: > 0)");
        }
    }

    /** These settings with HTTP/2 on or off. */
    public Http2Settings withEnabled(boolean on) {
        return new Http2Settings(on, maxConcurrentStreams, maxHeaderListSize, initialWindowSize, maxResetsPerWindow,
                resetWindow);
    }
}
