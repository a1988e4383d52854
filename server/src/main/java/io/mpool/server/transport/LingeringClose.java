package io.mpool.server.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.conduits.ReadReadyHandler;
import org.xnio.conduits.StreamSinkConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * nginx's lingering close for a connection the server gives up on while the client may still be
 * sending (a refused head or body, a 408, a 503): write the answer, shut down output (FIN), then
 * read and discard what the client sends until it closes, for at most {@link #LINGER_TIME} and
 * {@link #LINGER_MAX_BYTES}, and only then close.
 *
 * <p>Why: closing a socket that has unread input makes the kernel send a TCP RST at once and drop
 * whatever of the answer is still in its send queue; a client also drops what it has received but
 * not yet read when the RST arrives on many stacks. Measured on loopback (Linux): a client that
 * pipelined {@code GET /bytes/8000000} and a request refused with 413 or 431, then wrote 512 KiB,
 * got 4-6 MB of the 8 MB answer and no refusal in 11 of 12 runs.
 *
 * <p>Runs on the connection's IO thread, driven by readiness events from the socket's own conduit
 * (this is its read-ready handler while lingering) and one XNIO timer: no thread sleeps. Layers
 * above see no data while it lingers ({@link RequestFramingConduit} answers their reads with 0).
 */
final class LingeringClose implements ReadReadyHandler {
    /**
     * How long to read and discard at most. nginx's lingering_time is 30 s (with a 5 s
     * lingering_timeout between reads) for slow links; here a refusal should cost a connection
     * slot briefly: 2 s is many round trips on any network a client that reads its answer is on.
     */
    static final Duration LINGER_TIME = Duration.ofSeconds(2);
    /**
     * How much to read and discard at most (nginx has no such bound). 1 MiB covers what a client
     * typically still has in flight when the refusal reaches it (socket buffers, a window or two);
     * a client that keeps writing more without reading may still get an RST.
     */
    static final int LINGER_MAX_BYTES = 1 << 20;
    private static final int DISCARD_BUFFER_BYTES = 16 * 1024;
    /** How often to try again to write out held-back pipelined responses that the socket would not take. */
    private static final long HELD_RESPONSES_RETRY_MILLIS = 10;
    /** Discarded bytes land here: one buffer per IO thread, the only threads that linger. */
    private static final ThreadLocal<ByteBuffer> DISCARD = ThreadLocal.withInitial(
            () -> ByteBuffer.allocate(DISCARD_BUFFER_BYTES));

    private final StreamConnection connection;
    private final StreamSourceConduit source;
    private final RequestFramingConduit above;
    private final RequestFramingConduit.Guarded guarded;
    private long waitingSinceNanos;
    private final CountDownLatch closed = new CountDownLatch(1);
    private long discarded;
    private XnioExecutor.Key timer;
    private boolean finished;

    /**
     * @param source the socket's source conduit (beneath every layer that reads requests)
     * @param above  the framing conduit that hands the socket's termination events upward
     * @param guarded holds the responses Undertow keeps back for pipelined requests, which go
     *                out before the answer
     */
    LingeringClose(StreamConnection connection, StreamSourceConduit source, RequestFramingConduit above,
                   RequestFramingConduit.Guarded guarded) {
        this.connection = connection;
        this.source = source;
        this.above = above;
        this.guarded = guarded;
    }

    /**
     * On the connection's IO thread: writes {@code answer} (null if already written, output
     * already shut down), shuts down output and starts discarding input. Responses to earlier
     * pipelined requests that Undertow still holds back go out first (the answer must not overtake
     * them); if the socket will not take them now, this tries again every
     * {@value #HELD_RESPONSES_RETRY_MILLIS} ms for at most {@link #LINGER_TIME}, then closes.
     */
    void start(byte[] answer, StreamSinkConduit sink) {
        assert Thread.currentThread() == connection.getIoThread() : "lingering off the connection's IO thread";
        if (finished || !connection.isOpen()) {
            finish();
            return;
        }
        try {
            if (answer != null && !guarded.flushHeldResponses()) {
                retryAfterHeldResponses(answer, sink);
                return;
            }
            if (answer != null) {
                ByteBuffer bytes = ByteBuffer.wrap(answer);
                while (bytes.hasRemaining()) {
                    if (sink.write(bytes) == 0) {
                        finish(); // the client does not even read: nothing to wait for
                        return;
                    }
                }
            }
            sink.terminateWrites(); // FIN after the answer
            sink.flush();
        } catch (IOException e) {
            finish(); // the client is gone
            return;
        }
        source.setReadReadyHandler(this);
        readReady(); // what arrived before we took over; often already the client's close
        if (!finished) {
            source.resumeReads();
            timer = connection.getIoThread().executeAfter(this::finish, LINGER_TIME.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void retryAfterHeldResponses(byte[] answer, StreamSinkConduit sink) {
        long now = System.nanoTime();
        if (waitingSinceNanos == 0) {
            waitingSinceNanos = now;
            // Nobody reads while we wait (the layers above get 0): without this, input still
            // arriving would keep the socket readable and their read handler spinning.
            source.suspendReads();
        } else if (now - waitingSinceNanos > LINGER_TIME.toNanos()) {
            finish(); // the client reads nothing: no answer can reach it
            return;
        }
        timer = connection.getIoThread().executeAfter(() -> start(answer, sink), HELD_RESPONSES_RETRY_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /** The socket has data (or its end): discard it; close at its end or past the byte bound. */
    @Override
    public void readReady() {
        if (finished) {
            return;
        }
        ByteBuffer discard = DISCARD.get();
        try {
            while (true) {
                discard.clear();
                int read = source.read(discard);
                if (read == 0) {
                    return;
                }
                if (read < 0) {
                    finish(); // the client closed: a clean close, no RST
                    return;
                }
                discarded += read;
                if (discarded > LINGER_MAX_BYTES) {
                    finish();
                    return;
                }
            }
        } catch (IOException e) {
            finish(); // reset by the client
        }
    }

    /** True once lingering is over and the connection closed. */
    boolean finished() {
        return closed.getCount() == 0;
    }

    /** Blocks a reader above until the connection is closed (at most {@code nanos}, if positive). */
    void awaitFinished(long nanos) {
        try {
            if (nanos > 0) {
                closed.await(nanos, TimeUnit.NANOSECONDS);
            } else {
                closed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (timer != null) {
            timer.remove();
        }
        IoUtils.safeClose(connection);
        closed.countDown();
    }

    // The socket conduit reports its termination to its read-ready handler, which is this one
    // while lingering: pass it on to the layers above, which close their channel on it.

    @Override
    public void forceTermination() {
        closed.countDown();
        above.upstreamForceTermination();
    }

    @Override
    public void terminated() {
        closed.countDown();
        above.upstreamTerminated();
    }
}
