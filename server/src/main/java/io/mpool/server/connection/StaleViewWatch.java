package io.mpool.server.connection;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Paranoid mode's watch on buffers given back ({@code --debug paranoid}): the position and limit
 * of every buffer Undertow closed, or the connection took back at its close, are noted, and each
 * sweep looks at them again for {@link #WATCH_NANOS} after. A change means a holder went on using a
 * buffer it no longer owned: logged (the first ten, then every thousandth) and counted.
 *
 * <p>It found the bug that spun an IO thread: the close took back a buffer Undertow's read listener
 * still held up the stack, which then set its limit to 0 (see {@link ConnectionBufferPool#channelClosed}).
 * A view of its own per hand-out keeps such a change from reaching the next holder; this makes it
 * visible. Any thread may add; the sweep's thread checks.
 */
final class StaleViewWatch {
    /** How long a buffer given back is watched: a few sweeps. */
    static final long WATCH_NANOS = 3_000_000_000L;
    private static final Logger LOG = Logger.getLogger(StaleViewWatch.class.getName());
    private static final int LOGGED_IN_FULL = 10;
    private static final int LOG_EVERY = 1000;

    private record Watched(ByteBuffer view, int position, int limit, long since, long connection) {
    }

    private final ConcurrentLinkedQueue<Watched> watched = new ConcurrentLinkedQueue<>();
    private final AtomicLong changed = new AtomicLong();

    /** {@code view}, a buffer of {@code connection}, was given back at {@code now}: watched from now on. */
    void givenBack(ByteBuffer view, long connection, long now) {
        watched.add(new Watched(view, view.position(), view.limit(), now, connection));
    }

    /**
     * Looks at every buffer watched (the sweep, once a second): a changed one is reported and
     * forgotten, one watched for {@link #WATCH_NANOS} is forgotten.
     *
     * @return how many changed since they were given back
     */
    int check(long now) {
        int found = 0;
        for (Iterator<Watched> it = watched.iterator(); it.hasNext();) {
            Watched w = it.next();
            int position = w.view().position();
            int limit = w.view().limit();
            if (position != w.position() || limit != w.limit()) {
                found++;
                long count = changed.incrementAndGet();
                if (count <= LOGGED_IN_FULL || count % LOG_EVERY == 0) {
                    LOG.warning("a buffer of connection " + w.connection() + " changed after it was given back: position "
                            + w.position() + " -> " + position + ", limit " + w.limit() + " -> " + limit
                            + " (a holder went on using it; " + count + " so far)");
                }
                it.remove();
            } else if (now - w.since() > WATCH_NANOS) {
                it.remove();
            }
        }
        return found;
    }

    /** Buffers seen changed after they were given back, since the start. */
    long changed() {
        return changed.get();
    }

    /** Buffers watched now. */
    int watching() {
        return watched.size();
    }
}
