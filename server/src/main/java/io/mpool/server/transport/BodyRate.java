package io.mpool.server.transport;

import io.mpool.server.config.RequestLimits;
import java.util.concurrent.TimeUnit;

/**
 * The rate of the request body a connection is sending, as its framing check measures it
 * ({@code --min-body-rate}): on average since the body's first byte once the grace has passed, and
 * over each window of {@link RequestLimits#BODY_RATE_WINDOW_SECONDS}. Made at a connection's first
 * body and dropped with its framing scanner when the connection goes idle: a connection that only
 * sends heads never has one. Written on the IO thread; the window's start is volatile for the
 * sweep's look.
 */
final class BodyRate {
    static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(RequestLimits.BODY_RATE_WINDOW_SECONDS);
    private static final long GRACE_NANOS = RequestLimits.BODY_RATE_GRACE.toNanos();

    private long startNanos;
    private long bytes;
    /** When the body's current window began, 0 outside a body; written once per window. */
    private volatile long windowStartNanos;
    private long windowBytes;

    /** A read outside a body: the next body starts afresh. */
    void outsideBody() {
        startNanos = 0;
        if (windowStartNanos != 0) {
            windowStartNanos = 0;
        }
    }

    /**
     * A read of {@code read} body bytes ({@code wasInBody}: the body had begun before it); true once
     * the body is below {@code minRate} bytes per second on average after the grace, or over the
     * last window.
     */
    boolean tooSlow(boolean wasInBody, int read, long minRate) {
        long now = System.nanoTime();
        if (!wasInBody || startNanos == 0) {
            startNanos = now;
            bytes = 0;
            windowStartNanos = now;
            windowBytes = 0;
            return false;
        }
        bytes += read;
        windowBytes += read;
        long windowElapsed = now - windowStartNanos;
        if (windowElapsed >= WINDOW_NANOS) {
            if (below(windowBytes, windowElapsed, minRate)) {
                return true;
            }
            windowStartNanos = now;
            windowBytes = 0;
        }
        long elapsed = now - startNanos;
        return elapsed > GRACE_NANOS && below(bytes, elapsed, minRate);
    }

    /** When the current window began, 0 outside a body. Any thread. */
    long windowStartNanos() {
        return windowStartNanos;
    }

    /** Whether the current window, older than a window now, is below {@code minRate} (IO thread). */
    boolean windowTooSlow(long minRate) {
        long windowStart = windowStartNanos;
        long elapsed = System.nanoTime() - windowStart;
        return windowStart != 0 && elapsed >= WINDOW_NANOS && below(windowBytes, elapsed, minRate);
    }

    private static boolean below(long bytes, long nanos, long minRate) {
        return bytes * 1_000_000_000.0 / nanos < minRate;
    }
}
