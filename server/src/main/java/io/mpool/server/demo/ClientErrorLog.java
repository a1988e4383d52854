package io.mpool.server.demo;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Logs clients' errors (a malformed body) without flooding and without stack traces: the first
 * one, then at most one line per {@link #INTERVAL_SECONDS} seconds with the count since the last
 * line. A client's bad input is not the server's trouble; the log should not grow with it.
 */
final class ClientErrorLog {
    private static final long INTERVAL_SECONDS = 10;
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(INTERVAL_SECONDS);

    private final Logger log;
    private final String what;
    private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
    private final AtomicLong suppressed = new AtomicLong();

    ClientErrorLog(Logger log, String what) {
        this.log = log;
        this.what = what;
    }

    /** Logs {@code detail} at INFO unless a line went out in the last interval. */
    void log(String detail) {
        long now = System.nanoTime();
        long last = lastLogged.get();
        if (now - last >= INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
            long others = suppressed.getAndSet(0);
            log.info(what + " from " + detail
                    + (others > 0 ? " (and " + others + " more in the last " + INTERVAL_SECONDS + " s)" : ""));
        } else {
            suppressed.incrementAndGet();
        }
    }
}
