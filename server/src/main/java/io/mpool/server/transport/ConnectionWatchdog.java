package io.mpool.server.transport;

import io.mpool.server.config.RequestLimits;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.logging.Logger;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.StreamSinkConduit;

/**
 * Read and write timeouts of one connection, by progress stamps instead of timers.
 *
 * <p>Undertow's timeout conduits re-arm an XNIO timer on every read and every write, which
 * profiling showed at about a tenth of the server's CPU for small requests. Here a read that finds
 * no data and a write that cannot finish only stamp the time they started waiting (a release
 * store), progress clears the stamp, and the server's once-a-second sweep ({@link #check}) closes
 * connections that waited longer than their timeout: accurate to about a second, free per request.
 * A stalled read of a request whose response has not started is answered 408 first.
 *
 * <p>Between requests the sweep samples the connection instead: no request running and the same
 * request count as at the last sweep means it is still waiting, for its next request (closed after
 * the idle timeout) or for the end of a head it has started (closed after the parse timeout,
 * slowloris). Undertow's own idle and parse timeouts re-arm a timer and write four volatile fields
 * per request; here the request path does nothing for them. Accurate to about two seconds.
 *
 * <p>An HTTP/2 response can stall with the socket idle: its DATA waits for the peer's
 * WINDOW_UPDATE, and a peer that never sends one would hold the stream and its region for ever.
 * The sweep treats that as a write that cannot finish: a response waiting for the window with no
 * write at all since, for longer than the write timeout, closes the connection (counted as a
 * write timeout). A client that reads, however slowly, opens its window and lets writes go on.
 *
 * <p>The watchdog is itself the write-side stamp conduit ({@link #install()}): one object per
 * connection, not two.
 */
public final class ConnectionWatchdog extends AbstractStreamSinkConduit<StreamSinkConduit>
        implements RequestFramingConduit.ReadProgress {
    private static final Logger LOG = Logger.getLogger(ConnectionWatchdog.class.getName());

    /**
     * The connection: which request runs, and its channel, TLS handshake, framing check and
     * listener's limits (read through it at the sweep, not referenced from here as well).
     */
    private final RequestTracker tracker;
    /** What the connection waited for at the last sweep (sweep thread only). */
    private Waiting waiting = Waiting.NOTHING;
    /** Requests started by then, and when that wait was first seen (sweep thread only). */
    private int waitingAfterRequests;
    private long waitingSeenAt;

    private enum Waiting { NOTHING, NEXT_REQUEST, END_OF_HEAD }
    /**
     * When a read last found no data, 0 while reads make progress. Written on the IO thread by
     * release stores, read by the sweep's acquire loads ({@link #READ_WAITING_SINCE}): a keep-alive
     * request sets and clears it once each, and a volatile store would cost a full fence each time
     * for a stamp the sweep looks at once a second.
     */
    private long readWaitingSince;
    /** When a write last could not finish, 0 while writes make progress (as {@link #readWaitingSince}). */
    private long writeBlockedSince;
    /** Writes done so far (IO thread; read by the sweep, opaque): HTTP/2's window stall is no write at all. */
    private int writesDone;
    private static final VarHandle WRITES_DONE;
    private static final VarHandle READ_WAITING_SINCE;
    private static final VarHandle WRITE_BLOCKED_SINCE;
    /** Writes done at the last sweep, and when a stall on the peer's window was first seen (sweep thread only). */
    private int writesAtLastSweep;
    private long windowStalledSince;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WRITES_DONE = lookup.findVarHandle(ConnectionWatchdog.class, "writesDone", int.class);
            READ_WAITING_SINCE = lookup.findVarHandle(ConnectionWatchdog.class, "readWaitingSince", long.class);
            WRITE_BLOCKED_SINCE = lookup.findVarHandle(ConnectionWatchdog.class, "writeBlockedSince", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    /**
     * Timeouts of {@code connection}'s limits: read, write, parse (a head's arrival) and idle
     * (between requests), and of its TLS handshake if it has one.
     */
    public ConnectionWatchdog(RequestTracker connection) {
        super(connection.channel().getSinkChannel().getConduit());
        this.tracker = connection;
    }

    /**
     * Puts this watchdog, as the write-side stamp conduit, under whatever writes next: call right
     * after construction (it writes to the sink conduit the channel had then), before Undertow.
     */
    public void install() {
        StreamConnection channel = tracker.channel();
        assert channel.getSinkChannel().getConduit() == next : "the channel's sink conduit changed since construction";
        channel.getSinkChannel().setConduit(this);
    }

    @Override
    public void readMadeProgress() {
        if (readWaitingSince != 0) {
            READ_WAITING_SINCE.setRelease(this, 0L);
        }
    }

    @Override
    public void readFoundNothing() {
        if (readWaitingSince == 0) {
            READ_WAITING_SINCE.setRelease(this, System.nanoTime());
        }
    }

    /**
     * Called by the sweep: closes the connection if a read or a write has waited too long (a read
     * on the connection's IO thread, after the reader has read what came meanwhile).
     *
     * @return true if it was closed, or is being timed out on its IO thread
     */
    public boolean check(long now) {
        StreamConnection channel = tracker.channel();
        if (!channel.isOpen()) {
            return false;
        }
        RequestLimits limits = tracker.limits();
        TlsHandshake handshake = tracker.handshake();
        if (handshake != null && !handshake.finished()) {
            return handshake.checkTimeout(now); // the read and idle timeouts are longer
        }
        long writeSince = (long) WRITE_BLOCKED_SINCE.getAcquire(this);
        if (writeSince != 0 && now - writeSince > limits.writeTimeout().toNanos()) {
            tracker.timedOut(true);
            IoUtils.safeClose(channel); // the client stopped reading
            return true;
        }
        if (stalledOnWindowTooLong(now, channel, limits)) {
            return true;
        }
        long readSince = (long) READ_WAITING_SINCE.getAcquire(this);
        RequestFramingConduit reads = tracker.framing();
        if (readSince != 0 && reads != null) {
            reads.checkBodyRate(now); // a body that has stopped sending still has to keep the floor
        }
        if (readSince != 0 && now - readSince > limits.readTimeout().toNanos() && !idleAfterARequest(reads)) {
            // The sweep cannot see the socket: the client's bytes may have come while the
            // connection's IO thread was busy elsewhere and not read them yet (a request that
            // sat in the socket buffer was closed unanswered). The IO thread reads first, then
            // times the read out only if it still waits for the same read.
            XnioIoThread ioThread = channel.getIoThread();
            ioThread.execute(() -> {
                channel.getSourceChannel().wakeupReads(); // queues the reader's turn on this thread
                ioThread.execute(() -> timeOutReadStill(readSince, channel, limits, reads));
            });
            return true;
        }
        return waitedTooLongBetweenRequests(now, channel, limits, reads);
    }

    /**
     * On the IO thread, once the reader has had its turn: the read timeout, if the connection
     * still waits for the read stamped {@code readSince} (no byte came since) and is open.
     */
    private void timeOutReadStill(long readSince, StreamConnection channel, RequestLimits limits,
                                  RequestFramingConduit reads) {
        if (readWaitingSince != readSince || !channel.isOpen()) {
            return;
        }
        tracker.timedOut(false);
        if (!tracker.responseStarted()) {
            long millis = limits.readTimeout().toMillis();
            String reason = "no request data for " + (millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms");
            if (reads != null) {
                reads.refuseConnection(408, reason);
            } else {
                DirectAnswer.sendAndClose(channel, 408, reason);
            }
        } else {
            IoUtils.safeClose(channel); // idle keep-alive, or the response is under way
        }
    }

    /** HTTP/2: a response has waited for the peer's window, with no write since, past the write timeout. */
    private boolean stalledOnWindowTooLong(long now, StreamConnection channel, RequestLimits limits) {
        int writes = (int) WRITES_DONE.getOpaque(this);
        if (writes != writesAtLastSweep || !tracker.waitingForWindow()) {
            writesAtLastSweep = writes;
            windowStalledSince = 0;
            return false;
        }
        if (windowStalledSince == 0) {
            windowStalledSince = now;
            return false;
        }
        if (now - windowStalledSince <= limits.writeTimeout().toNanos()) {
            return false;
        }
        LOG.fine(() -> "an HTTP/2 response waited for the peer's window past the write timeout: closing the"
                + " connection from " + channel.getPeerAddress());
        tracker.timedOut(true);
        IoUtils.safeClose(channel);
        return true;
    }

    /**
     * Whether the connection is a keep-alive one between requests, nothing of the next one sent:
     * the idle timeout's case, not the read timeout's. Over TLS, Undertow's {@code SslConduit}
     * runs the reader again after a response though no byte came, and that read stamps a wait
     * that is no stalled read (without this, an idle TLS connection closed at the read timeout
     * and a plain one at the idle timeout: {@code TlsIdleTimeoutTest}).
     */
    private boolean idleAfterARequest(RequestFramingConduit reads) {
        return reads != null && !reads.closing() && !reads.midMessage() && tracker.requestsStarted() > 0
                && !tracker.requestRunning() && !tracker.upgraded();
    }

    /** The idle and parse timeouts, from what this sweep and the earlier ones saw. */
    private boolean waitedTooLongBetweenRequests(long now, StreamConnection channel, RequestLimits limits,
                                                 RequestFramingConduit conduit) {
        if (conduit == null || conduit.closing() || tracker.requestRunning() || tracker.upgraded()) {
            waiting = Waiting.NOTHING; // the read and write timeouts, or the lingering close, cover it
            return false;
        }
        Waiting nowWaiting = conduit.midMessage() ? Waiting.END_OF_HEAD : Waiting.NEXT_REQUEST;
        int requests = tracker.requestsStarted();
        if (nowWaiting != waiting || requests != waitingAfterRequests) {
            waiting = nowWaiting;
            waitingAfterRequests = requests;
            waitingSeenAt = now;
            return false;
        }
        boolean head = nowWaiting == Waiting.END_OF_HEAD;
        if (now - waitingSeenAt <= (head ? limits.parseTimeout() : limits.idleTimeout()).toNanos()) {
            return false;
        }
        // As for the read timeout: the next request (or the head's end) may sit unread in the
        // socket behind a busy IO thread. The IO thread reads first and closes only if the
        // connection still waits as the sweeps saw it.
        XnioIoThread ioThread = channel.getIoThread();
        ioThread.execute(() -> {
            channel.getSourceChannel().wakeupReads();
            ioThread.execute(() -> closeIfStillWaiting(nowWaiting, requests, channel, conduit));
        });
        return true;
    }

    /**
     * On the IO thread, once the reader has had its turn: the idle or parse timeout, if the
     * connection is open and still waits for what the sweeps saw it wait for after
     * {@code requests} requests (no request started, no head begun or ended since).
     */
    private void closeIfStillWaiting(Waiting seen, int requests, StreamConnection channel,
                                     RequestFramingConduit conduit) {
        if (!channel.isOpen() || conduit.closing() || tracker.requestRunning() || tracker.upgraded()
                || tracker.requestsStarted() != requests
                || (conduit.midMessage() ? Waiting.END_OF_HEAD : Waiting.NEXT_REQUEST) != seen) {
            return;
        }
        LOG.fine(() -> (seen == Waiting.END_OF_HEAD ? "request head not complete within the parse timeout"
                : "idle past the idle timeout") + ": closing the connection from " + channel.getPeerAddress());
        IoUtils.safeClose(channel);
    }

    // ---- the write-side stamp conduit: stamps writes that cannot finish; a complete write clears the stamp ----

    /** Stamps when a write first left bytes behind; clears it once a write took everything. */
    private void stamp(boolean complete) {
        WRITES_DONE.setOpaque(this, writesDone + 1);
        if (complete) {
            if (writeBlockedSince != 0) {
                WRITE_BLOCKED_SINCE.setRelease(this, 0L);
            }
        } else if (writeBlockedSince == 0) {
            WRITE_BLOCKED_SINCE.setRelease(this, System.nanoTime());
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int written = next.write(src);
        stamp(!src.hasRemaining());
        return written;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offs, int len) throws IOException {
        long written = next.write(srcs, offs, len);
        stamp(!srcs[offs + len - 1].hasRemaining());
        return written;
    }

    @Override
    public int writeFinal(ByteBuffer src) throws IOException {
        int written = next.writeFinal(src);
        stamp(!src.hasRemaining());
        return written;
    }

    @Override
    public long writeFinal(ByteBuffer[] srcs, int offs, int len) throws IOException {
        long written = next.writeFinal(srcs, offs, len);
        stamp(!srcs[offs + len - 1].hasRemaining());
        return written;
    }

    @Override
    public long transferFrom(FileChannel src, long position, long count) throws IOException {
        long written = next.transferFrom(src, position, count);
        stamp(written == count);
        return written;
    }

    @Override
    public long transferFrom(StreamSourceChannel source, long count, ByteBuffer throughBuffer) throws IOException {
        long written = next.transferFrom(source, count, throughBuffer);
        stamp(!throughBuffer.hasRemaining());
        return written;
    }

    @Override
    public boolean flush() throws IOException {
        boolean flushed = next.flush();
        stamp(flushed);
        return flushed;
    }
}
