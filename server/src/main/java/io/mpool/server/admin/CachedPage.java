package io.mpool.server.admin;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One admin page (one path and query) and its builds: what keeps the cost of {@code /metrics}
 * and {@code /admin/pools} bounded however many clients ask, so that on a small machine the
 * admin listener cannot take the CPU time and heap the main listener's IO threads need.
 *
 * <ul>
 *   <li><b>Single flight</b>: one build of the page at a time; every request that arrives while it
 *   runs, and can take it, gets its result.</li>
 *   <li><b>Interval</b>: a build starts only when a request waits for it, and at least an
 *   interval after the previous one started: the {@code window}, or {@value #BUILD_SHARE} times
 *   the CPU time the previous build took if that is longer. So the page costs at most one build
 *   per window, and its builds take at most a {@value #BUILD_SHARE}th of one CPU however long one
 *   takes (with 100,000 connections). CPU time, not the time on the clock: on a machine busy with
 *   other work a build takes longer without costing more, and readers would wait for nothing.</li>
 *   <li><b>Reuse</b>: a request gets the newest page at once if it is no older than the interval
 *   and newer than the last one sent on the same connection (a client looping on the page waits
 *   for the next build instead of being sent the same bytes again: the answers a page costs are
 *   bounded by the admin connections, not by how fast they loop).</li>
 *   <li><b>Fresh</b> ({@code Cache-Control: no-cache}): the request gets a page whose build started
 *   after it arrived, waiting at most one interval for it.</li>
 * </ul>
 * Counters stay monotonic: a page only ever replaces an older one (its builds never overlap), and
 * a client is never sent a page older than one it already got.
 *
 * <p>Builds run on {@link Runner} (the admin worker's task thread); a page that waits is answered
 * from the thread of the build it takes, through the {@code answer} its request gave.
 */
final class CachedPage {
    private static final Logger LOG = Logger.getLogger(CachedPage.class.getName());
    /**
     * A build is followed by at least this many times its CPU time before the next may start
     * (when that is longer than the window): a page's builds take at most a tenth of a CPU.
     */
    static final int BUILD_SHARE = 10;

    /** Runs a build after a delay (0: now), on a thread that may take time over it. */
    interface Runner {
        void run(Runnable build, long delayNanos);
    }

    /** What a build makes: the body and its content type. */
    record Body(byte[] bytes, String contentType) {
    }

    /**
     * A built page.
     *
     * @param status     200, or 500 when its build failed (such a page is sent once, never kept)
     * @param sequence   the build's number, unique over every page of the listener (a connection
     *                   remembers the last it was sent)
     * @param startNanos when its build started: what it shows is at least this recent
     */
    record Page(int status, Body body, long sequence, long startNanos) {
    }

    /** A request waiting for a build it can take. */
    private record Waiter(long arrivalNanos, boolean fresh, long lastSequence, Consumer<Page> answer) {
        boolean takes(Page page) {
            return page.sequence() > lastSequence && (!fresh || page.startNanos() - arrivalNanos >= 0);
        }
    }

    private final String name;
    private final long windowNanos;
    private final LongSupplier nanoClock;
    /** CPU time of the calling thread, in nanoseconds ({@link #threadCpuNanos()}). */
    private final LongSupplier cpuClock;
    private final LongSupplier sequences;
    private final Supplier<Body> build;
    private final Runner runner;
    private final Runnable onBuild;

    /** The newest page, or null before the first build. Guarded by this. */
    private Page page;
    /** A build is scheduled or running. Guarded by this. */
    private boolean building;
    private boolean everStarted;
    private long lastStartNanos;
    /** The least time from one build's start to the next's: the window, or longer after a slow build. */
    private long intervalNanos;
    private final List<Waiter> waiting = new ArrayList<>();

    /**
     * @param name      the page, for a failed build's log line
     * @param sequences the listener's build numbers (shared by its pages, increasing)
     * @param onBuild   told of every build as it starts (the builds counter)
     */
    CachedPage(String name, long windowNanos, LongSupplier nanoClock, LongSupplier cpuClock, LongSupplier sequences,
               Supplier<Body> build, Runner runner, Runnable onBuild) {
        if (windowNanos < 0) {
            throw new IllegalArgumentException("windowNanos=" + windowNanos + " (expected: >= 0)");
        }
        this.name = name;
        this.windowNanos = windowNanos;
        this.nanoClock = nanoClock;
        this.cpuClock = cpuClock;
        this.sequences = sequences;
        this.build = build;
        this.runner = runner;
        this.onBuild = onBuild;
        this.intervalNanos = windowNanos;
    }

    /**
     * The page for a request: returned at once when the newest page may be reused for it, else
     * null and, once a build it can take has run, given to {@code answer} (on the build's thread).
     *
     * @param lastSequence the last page's sequence this request's connection was sent (0: none)
     * @param fresh        the request wants a build started after it arrived ({@code no-cache})
     */
    Page request(long lastSequence, boolean fresh, Consumer<Page> answer) {
        long now = nanoClock.getAsLong();
        synchronized (this) {
            if (!fresh && page != null && page.sequence() > lastSequence && now - page.startNanos() <= intervalNanos) {
                return page;
            }
            waiting.add(new Waiter(now, fresh, lastSequence, answer));
            scheduleLocked(now);
            return null;
        }
    }

    /** The next build, at once or when the window since the last start has passed (lock held). */
    private void scheduleLocked(long now) {
        if (building) {
            return;
        }
        building = true;
        long delay = everStarted ? Math.max(0, lastStartNanos + intervalNanos - now) : 0;
        runner.run(this::build, delay);
    }

    private void build() {
        long start = nanoClock.getAsLong();
        synchronized (this) {
            everStarted = true;
            lastStartNanos = start;
        }
        onBuild.run();
        long cpuStart = cpuClock.getAsLong();
        Page built;
        try {
            built = new Page(200, build.get(), sequences.getAsLong(), start);
        } catch (RuntimeException | Error e) {
            LOG.log(Level.WARNING, "admin page " + name + ": its build failed", e);
            built = new Page(500, AdminJson.error("building " + name + " failed: " + e), sequences.getAsLong(), start);
        }
        long took = cpuClock.getAsLong() - cpuStart;
        List<Waiter> served = new ArrayList<>();
        synchronized (this) {
            intervalNanos = Math.max(windowNanos, took * BUILD_SHARE);
            if (built.status() == 200) {
                page = built;
            }
            for (int i = 0; i < waiting.size(); i++) {
                Waiter waiter = waiting.get(i);
                if (waiter.takes(built)) {
                    served.add(waiter);
                    waiting.set(i, null);
                }
            }
            waiting.removeIf(waiter -> waiter == null);
            building = false;
            if (!waiting.isEmpty()) {
                scheduleLocked(nanoClock.getAsLong());
            }
        }
        for (Waiter waiter : served) {
            waiter.answer().accept(built);
        }
    }

    /** CPU time of the calling thread, or the clock where the JVM does not measure it. */
    static long threadCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled()
                ? threads.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** Requests waiting for a build now. */
    synchronized int waiting() {
        return waiting.size();
    }
}
