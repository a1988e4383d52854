package io.mpool.server.transport;

import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Logs memory refusals without flooding: the first one, then at most one line per
 * {@link #INTERVAL_NANOS} with the count since the last line. The counters on the admin endpoint
 * have every one.
 */
public final class RefusalLog {
    private static final long INTERVAL_NANOS = 10_000_000_000L;

    private final Logger log;
    private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
    private final AtomicLong suppressed = new AtomicLong();

    public RefusalLog(Logger log) {
        this.log = log;
    }

    public void log(RuntimeException refusal) {
        long now = System.nanoTime();
        long last = lastLogged.get();
        if (now - last >= INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
            long others = suppressed.getAndSet(0);
            log.warning("refusing work: " + refusal.getMessage()
                    + (others > 0 ? " (and " + others + " more refusals in the last 10 s)" : ""));
        } else {
            suppressed.incrementAndGet();
        }
    }
}
