package io.mpool.server.transport;

import io.mpool.server.connection.ServerStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;

/**
 * The main listener's accept-side limits, checked before anything is set up for a new
 * connection: at most {@code maxConnections} open at once (so the process keeps file descriptors
 * for the admin listener and its own files), and at most {@code maxUnfinishedHeads} of them that
 * have not yet sent a complete request head (so silent or slow-head clients cannot take every
 * slot; they are closed by the read and parse timeouts meanwhile). nginx has the first as
 * {@code worker_connections}; the second plays the part of its {@code limit_conn} for clients
 * that have not said anything yet.
 *
 * <p>One connection more is refused at once and cheaply: a prepared {@code 503} with
 * {@code Retry-After: 1} and {@code Connection: close} written straight to the socket (one write,
 * nothing from the arena, no Undertow objects), what the client already sent read and dropped
 * (one read, so the close is a FIN rather than an RST that could destroy the answer), and the
 * socket closed without lingering, because the point is to give its descriptor back. A 503
 * rather than a bare close: an HTTP client then sees why and when to retry, where a close looks
 * like a network fault that many clients retry at once. Counted in the admin totals
 * ({@code connectionLimitRefusals}, {@code unfinishedHeadRefusals}) and logged through a
 * rate-limited {@link RefusalLog} of its own, so a connection flood does not hide a memory
 * refusal's line.
 */
public final class ConnectionLimiter {
    /** What one refusal reads and drops before closing: a typical request head. */
    private static final int DRAIN_BYTES = 4096;
    private static final ThreadLocal<ByteBuffer> DRAIN = ThreadLocal.withInitial(() -> ByteBuffer.allocate(DRAIN_BYTES));

    private final int maxConnections;
    private final int maxUnfinishedHeads;
    private final ServerStats stats;
    private final RefusalLog refusals;
    private final byte[] atConnectionLimit;
    private final byte[] atHeadLimit;
    private final String connectionLimitLine;
    private final String headLimitLine;

    public ConnectionLimiter(int maxConnections, int maxUnfinishedHeads, ServerStats stats, Logger log) {
        if (maxConnections < 1 || maxUnfinishedHeads < 1) {
            throw new IllegalArgumentException("maxConnections=" + maxConnections + " maxUnfinishedHeads="
                    + maxUnfinishedHeads + " (expected: >= 1)");
        }
        this.maxConnections = maxConnections;
        this.maxUnfinishedHeads = maxUnfinishedHeads;
        this.stats = stats;
        this.refusals = new RefusalLog(log);
        this.atConnectionLimit = DirectAnswer.response(503, "server at its connection limit (" + maxConnections
                + "); retry later");
        this.atHeadLimit = DirectAnswer.response(503, "too many connections without a request yet (at most "
                + maxUnfinishedHeads + "); retry later");
        this.connectionLimitLine = "a new connection: " + maxConnections + " open, the --max-connections limit";
        this.headLimitLine = "a new connection: " + maxUnfinishedHeads
                + " connections have not sent a request head yet, the --max-unfinished-heads limit";
    }

    /**
     * Admits a newly accepted connection, or refuses it (answered and closed) and returns null.
     * The caller reports the connection's first request head and its close to the slot.
     */
    public Slot admit(StreamConnection channel) {
        AtomicInteger open = stats.connectionsOpen;
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            refuse(channel, stats.connectionLimitRefusals, atConnectionLimit, connectionLimitLine);
            return null;
        }
        AtomicInteger unfinished = stats.unfinishedHeads;
        if (unfinished.incrementAndGet() > maxUnfinishedHeads) {
            unfinished.decrementAndGet();
            open.decrementAndGet();
            refuse(channel, stats.unfinishedHeadRefusals, atHeadLimit, headLimitLine);
            return null;
        }
        return new Slot(stats);
    }

    public int maxConnections() {
        return maxConnections;
    }

    public int maxUnfinishedHeads() {
        return maxUnfinishedHeads;
    }

    private void refuse(StreamConnection channel, LongAdder counter, byte[] answer, String line) {
        counter.increment();
        refusals.log(line);
        try {
            channel.getSinkChannel().write(ByteBuffer.wrap(answer));
            ByteBuffer drain = DRAIN.get();
            drain.clear();
            channel.getSourceChannel().read(drain);
        } catch (IOException e) {
            // the client is gone already
        }
        IoUtils.safeClose(channel);
    }

    /** One admitted connection's place in the counts; each change happens once, from any thread. */
    public static final class Slot {
        private static final int HEAD_PENDING = 0;
        private static final int HEAD_ARRIVED = 1;
        private static final int CLOSED = 2;
        private static final AtomicIntegerFieldUpdater<Slot> STATE =
                AtomicIntegerFieldUpdater.newUpdater(Slot.class, "state");

        private final ServerStats stats;
        private volatile int state = HEAD_PENDING;

        Slot(ServerStats stats) {
            this.stats = stats;
        }

        /** The connection's first request head is complete: it no longer counts as unfinished. */
        public void headArrived() {
            if (state == HEAD_PENDING && STATE.compareAndSet(this, HEAD_PENDING, HEAD_ARRIVED)) {
                stats.unfinishedHeads.decrementAndGet();
            }
        }

        /** The connection closed: its place is free. */
        public void closed() {
            int was = STATE.getAndSet(this, CLOSED);
            if (was == CLOSED) {
                return;
            }
            if (was == HEAD_PENDING) {
                stats.unfinishedHeads.decrementAndGet();
            }
            stats.connectionsOpen.decrementAndGet();
        }
    }
}
