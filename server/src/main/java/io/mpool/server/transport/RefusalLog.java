package io.mpool.server.transport;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Logs refusals (memory, connection limits) without flooding: the first one, then at most one line per
 * {@link #INTERVAL_SECONDS} seconds with the count since the last line. The counters on the admin
 * endpoint have every one.
 */
public final class RefusalLog {
    /** A flood of refusals stays a few lines a minute. */
    private static final long INTERVAL_SECONDS = 10;
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(INTERVAL_SECONDS);

    private final Logger log;
    private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
    private final AtomicLong suppressed = new AtomicLong();

    public RefusalLog(Logger log) {
        this.log = log;
    }

    public void log(RuntimeException refusal) {
        log(refusal.getMessage());
    }

    /** Logs {@code what} ("refusing work: " in front) unless a line went out in the last interval. */
    public void log(String what) {
        long now = System.nanoTime();
        long last = lastLogged.get();
        if (now - last >= INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
            long others = suppressed.getAndSet(0);
            log.warning("refusing work: " + what
                    + (others > 0 ? " (and " + others + " more refusals in the last " + INTERVAL_SECONDS + " s)" : ""));
        } else {
            suppressed.incrementAndGet();
        }
    }
}
