package io.mpool.testing;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * The one way tests wait for something another thread does: poll an observation until it passes
 * or a deadline comes. A wait that gives up fails with what it waited for and the last value it
 * saw, never silently and never after an unbounded wait.
 *
 * <pre>
 * Await.until("the registry to forget every connection", Duration.ofSeconds(5),
 *         () -&gt; server.registry().size(), size -&gt; size == 0);
 * </pre>
 *
 * Polling starts at 1 ms and backs off to {@value #MAX_POLL_MILLIS} ms, so a condition that is
 * already true costs one observation and a slow one does not spin a shared CPU.
 */
public final class Await {
    /** The longest pause between two observations. */
    static final long MAX_POLL_MILLIS = 20;

    private Await() {
    }

    /** An observation that may throw (a socket read, an HTTP request to the admin port). */
    @FunctionalInterface
    public interface Observation<T> {
        T observe() throws Exception;
    }

    /**
     * Observes until {@code done} accepts the value, and returns that value.
     *
     * @param description what the test waits for, as the failure message should say it
     * @param within      the deadline; zero observes once
     * @throws AssertionError when the deadline passes (naming {@code description} and the last
     *                        value seen), when an observation throws, or when the thread is interrupted
     */
    public static <T> T until(String description, Duration within, Observation<T> observation, Predicate<T> done) {
        long deadline = System.nanoTime() + within.toNanos();
        long pauseMillis = 1;
        while (true) {
            T seen;
            try {
                seen = observation.observe();
            } catch (Exception e) {
                throw new AssertionError("observation failed while waiting for " + description + ": " + e, e);
            }
            if (done.test(seen)) {
                return seen;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("gave up after " + within.toMillis() + " ms waiting for " + description
                        + "; last saw: " + seen);
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + description + "; last saw: " + seen, e);
            }
            pauseMillis = Math.min(MAX_POLL_MILLIS, pauseMillis * 2);
        }
    }
}
