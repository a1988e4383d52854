package io.mpool.server.transport;

import io.mpool.server.config.RequestLimits;
import io.mpool.server.framing.FramingScanner;
import io.mpool.server.framing.FramingViolation;
import io.mpool.server.framing.MalformedBodyException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.conduits.ReadReadyHandler;
import org.xnio.conduits.StreamSinkConduit;
import org.xnio.conduits.StreamSourceConduit;
import org.xnio.ssl.SslConnection;

/**
 * Sits between the socket and Undertow's HTTP parser and passes on only well-framed bytes
 * ({@link FramingScanner}). At the first violation it cuts the stream:
 * <ul>
 *   <li>in a request head, Undertow never gets the complete head; when its parser asks for the
 *   rest, no request is running, and this conduit answers the status itself (400, 413 for a
 *   Content-Length above the limit, 414, 431, 501; with {@code Connection: close}) and closes;</li>
 *   <li>in a body (broken chunks: 400; chunks adding up past the limit: 413; a body slower than the
 *   minimum rate: 408), the conduit answers itself if the running request's response has not
 *   started; if it has, the handler's next read throws {@link MalformedBodyException} (Undertow
 *   then closes the connection).</li>
 * </ul>
 * Either way nothing after the violation (a pipelined request, say) is ever parsed or served.
 *
 * <p>An answer written here is followed by a lingering close ({@link LingeringClose}): output shut
 * down, input read and discarded for a bounded time, then close, so that a client still sending
 * gets the answer instead of a TCP reset. While it lingers, the layers above see no data (their
 * reads get 0 and their readiness requests are ignored); once closed, a reader of a refused body
 * gets {@link MalformedBodyException}, anyone else end of stream. The same happens to any read
 * after the server has shut down its output (Undertow does so after a response with
 * {@code Connection: close}), and {@link #refuseConnection} gives other refusals (408, 503) the
 * same close. This conduit is the one layer that reads the socket directly, which is why the
 * lingering lives here.
 */
public final class RequestFramingConduit extends InspectingSourceConduit {
    private static final Logger LOG = Logger.getLogger(RequestFramingConduit.class.getName());

    /** What the conduit needs from the connection it guards. */
    public interface Guarded {
        /** True while a request of this connection is between root handler and completion. */
        boolean requestRunning();

        /** True unless a request is running whose response has not been started. */
        boolean responseStarted();

        /** A violation was found (counted, logged once). */
        void refused(FramingViolation violation);

        /**
         * On the connection's IO thread, before an answer is written beneath Undertow: writes
         * out the responses Undertow holds back for pipelined requests (its pipelining buffer),
         * so that the answer cannot overtake them. True once nothing is held back; false if the
         * socket would not take it all now (call again when it may).
         */
        default boolean flushHeldResponses() throws IOException {
            return true;
        }

        /**
         * HTTP/2's client preface came (only on a conduit that looks for it): the connection is
         * HTTP/2's from now on, read beneath this conduit ({@link #beneath()}); {@code afterPreface}
         * holds the bytes read after the preface. Runs on the connection's IO thread.
         */
        default void prefaceArrived(ByteBuffer afterPreface) {
            throw new IllegalStateException("an HTTP/2 preface on a connection without HTTP/2");
        }

        /**
         * Asked once, at the first bytes of a conduit that looks for HTTP/2's preface: false when
         * the connection's protocol is already decided as HTTP/1.1 (TLS, where ALPN agreed on
         * {@code http/1.1}: RFC 9113 3.3 starts HTTP/2 over TLS by ALPN only), so its bytes are
         * not checked for the preface at all.
         */
        default boolean mayOpenWithHttp2Preface() {
            return true;
        }
    }

    /** Told whether each read found data, for read timeouts without a timer per read. */
    public interface ReadProgress {
        void readMadeProgress();

        void readFoundNothing();

        /** The conduit reporting to it, so that its own refusals (408) close the same lingering way. */
        default void readsThrough(RequestFramingConduit conduit) {
        }
    }

    private static final ReadProgress NO_PROGRESS_TRACKING = new ReadProgress() {
        @Override
        public void readMadeProgress() {
        }

        @Override
        public void readFoundNothing() {
        }
    };

    /** The client connection preface of HTTP/2 (RFC 9113, 3.4). */
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** {@link #preface}: HTTP/1.1, decided by the first bytes (or no HTTP/2 on this listener). */
    private static final byte HTTP_1 = -1;
    /** {@link #preface}: the preface came; HTTP/2 reads beneath this conduit, nothing is passed up. */
    private static final byte HTTP_2 = -2;
    /** {@link #preface}: HTTP/1.1, and bytes held back while they looked like the preface are still to pass up. */
    private static final byte REPLAYING = -3;

    private final StreamConnection connection;
    /** The sink beneath Undertow's (taken at install): answers here bypass any response in progress. */
    private final StreamSinkConduit rawSink;

    /**
     * Where the stream is in its framing; null while the connection is idle between requests
     * ({@link #dropScannerBetweenRequests()}: nginx frees an idle connection's header buffers too),
     * made again by the next read. Written on the IO thread only; volatile for the sweep's look.
     */
    private volatile FramingScanner scanner;
    /** The listener's, shared (no copy of its limits per connection). */
    private final RequestLimits limits;
    private final Guarded guarded;
    private ReadProgress progress = NO_PROGRESS_TRACKING;
    /** The current body's rate, or null: no body yet, or dropped with the scanner. Volatile for the sweep's look. */
    private volatile BodyRate bodyRate;
    private boolean cut;
    private boolean reported;
    private boolean answered;
    /**
     * Where the connection's first bytes stand between HTTP/1.1 and HTTP/2: while undecided, the
     * preface bytes matched so far (held back from the parser above); then {@link #HTTP_1},
     * {@link #HTTP_2} or {@link #REPLAYING}. A byte in this object: the check costs an HTTP/1.1
     * connection no conduit of its own, and one comparison per read once decided.
     */
    private byte preface;
    /** Bytes held back as the preface's start and the read that showed they were not, while {@link #REPLAYING}. */
    private ByteBuffer replay;
    /** Set once the connection is being closed the lingering way; never cleared. */
    private volatile LingeringClose lingering;
    /**
     * The read-ready handler of the layers above, held back from the socket while lingering:
     * whatever is set through this conduit, or null for the source channel's own (XNIO gives the
     * socket's conduit one at construction and has no getter: {@link #upstreamHandler()} makes
     * its like when it is needed, not on every connection).
     */
    private volatile ReadReadyHandler upstreamHandler;

    /**
     * @param limits  the longest request line and head; the largest body ({@code maxBodyBytes}, 0 =
     *                no limit; larger: 413); the body rate ({@code minBodyRate}: bytes per second a
     *                body must average once {@link RequestLimits#BODY_RATE_GRACE} has passed since
     *                its first byte, else 408; 0 = no minimum)
     * @param http2Preface whether the first bytes are checked for HTTP/2's preface ({@link #install})
     */
    public RequestFramingConduit(StreamConnection connection, RequestLimits limits, Guarded guarded,
                                 boolean http2Preface) {
        super(connection.getSourceChannel().getConduit());
        this.preface = http2Preface ? 0 : HTTP_1;
        this.connection = connection;
        this.rawSink = connection.getSinkChannel().getConduit();
        this.limits = limits;
        this.scanner = newScanner(limits); // checks the limits now
        this.guarded = guarded;
    }

    /** True while a message is under way: a body, or a head of which some bytes have come. Any thread. */
    boolean midMessage() {
        FramingScanner current = scanner;
        return current != null && current.midMessage();
    }

    /** The scanner, made again if the connection went idle (IO thread). */
    private FramingScanner scanner() {
        FramingScanner current = scanner;
        if (current == null) {
            current = newScanner(limits);
            scanner = current;
        }
        return current;
    }

    private static FramingScanner newScanner(RequestLimits limits) {
        return new FramingScanner(limits.maxRequestLine(), limits.maxHeaderSize(), limits.maxBodyBytes());
    }

    /** Whether the scanner is held (false once an idle connection dropped it). Any thread. */
    public boolean holdsScanner() {
        return scanner != null;
    }

    /**
     * Drops the scanner (and the body rate) if the stream is between messages, well framed, neither cut nor
     * lingering: a new one would be in the same state, and the next read makes it. For a
     * connection the sweep found idle; must run on the connection's IO thread (the only one that
     * scans), so that no read is under way.
     */
    public void dropScannerBetweenRequests() {
        FramingScanner current = scanner;
        if (current != null && !cut && lingering == null && current.violation() == null && !current.midMessage()) {
            scanner = null;
            bodyRate = null;
        }
    }

    /** True once the connection is being closed the lingering way (it has its own time bound). */
    boolean closing() {
        return lingering != null;
    }

    /** Reports every read's progress to {@code progress} (read timeouts). */
    public RequestFramingConduit trackingProgress(ReadProgress progress) {
        this.progress = progress;
        progress.readsThrough(this);
        return this;
    }

    /**
     * Installs the conduit under whatever reads the connection next (call before Undertow). With
     * {@code http2Preface}, the first bytes are checked for HTTP/2's client preface, sent first with
     * prior knowledge on the plain listener and after ALPN {@code h2} on the TLS one: it is held
     * back from the parser above (which would refuse it as a bad request line) and handed to
     * {@link Guarded#prefaceArrived}; bytes that only began like it are passed up in order.
     */
    public static RequestFramingConduit install(StreamConnection connection, RequestLimits limits, Guarded guarded,
                                                boolean http2Preface) {
        RequestFramingConduit conduit = new RequestFramingConduit(connection, limits, guarded, http2Preface);
        connection.getSourceChannel().setConduit(conduit);
        return conduit;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (lingering != null) {
            return lingering.finished() ? afterLingering() : 0;
        }
        if (cut) {
            return refuse();
        }
        if (connection.isWriteShutdown()) {
            // Output is shut down (Undertow's close after a Connection: close response). If the
            // client is inside a message (a body or a head still coming), what it still sends
            // is drained before the close, so its answer is not lost to a reset; after a whole
            // request there is nothing to wait for (nginx lingers on the same condition), and
            // a plain connection closes at once: a read-ready handler and a timer per connection
            // cost every Connection: close answer.
            if (midMessage()) {
                linger(null);
                return 0;
            }
            return connection instanceof SslConnection ? awaitCloseNotify(dst) : -1;
        }
        int start = dst.position();
        int read = preface == HTTP_1 ? readReportingProgress(dst) : readFirstBytes(dst);
        if (read <= 0) {
            return read;
        }
        FramingScanner framing = scanner();
        boolean wasInBody = framing.inBody();
        // Empty lines before a request line are dropped here: Undertow's parser refuses them.
        int stop = framing.scanDroppingEmptyLines(dst, start, start + read);
        dst.position(stop);
        if (framing.violation() == null) {
            if (limits.minBodyRate() > 0 && tooSlow(framing, wasInBody, read)) {
                framing.abort(slowBody());
                cut = true;
                dst.position(start);
                return refuse();
            }
            return stop - start; // 0 if the read held only empty lines: the parser waits for more
        }
        cut = true;
        return stop > start ? stop - start : refuse();
    }

    /**
     * After a TLS connection's last answer: reads beneath until the client's {@code close_notify}
     * (TLS end of stream, -1) before the close, as Undertow does without this conduit (its drain
     * waits for it, at most {@code io.undertow.max-drain-time}). Closed at once instead, the JDK's
     * engine, told to close its inbound side before the peer's {@code close_notify}, fails the
     * connection with a fatal alert (a {@code javax.net.ssl.SSLException} with its stack trace, on
     * every connection that ends with {@code Connection: close}), and the client's own
     * {@code close_notify}, arriving at a closed socket, gets a TCP reset. Application data after
     * the last answer is not passed up: it ends the stream too.
     */
    private int awaitCloseNotify(ByteBuffer dst) throws IOException {
        int start = dst.position();
        int read = next.read(dst);
        if (read > 0) {
            dst.position(start);
            return -1;
        }
        return read;
    }

    /**
     * Reads from beneath and tells the read timeouts whether the socket had data: what this conduit
     * then passes up does not matter (a read that completed the HTTP/2 preface passes up nothing,
     * and is no stalled read).
     */
    private int readReportingProgress(ByteBuffer dst) throws IOException {
        int read = next.read(dst);
        if (read > 0) {
            progress.readMadeProgress();
        } else if (read == 0) {
            progress.readFoundNothing();
        }
        return read;
    }

    /**
     * A read while the first bytes decide between HTTP/1.1 and HTTP/2 (bytes that match the
     * preface so far are held back), or while held bytes are passed up: an HTTP/1.1 client's first
     * byte differs from the preface's, and this runs once for it. Once the preface has come, the
     * HTTP/2 connection reads beneath this conduit and nothing here reports its reads: a read of
     * Undertow's HTTP/1.1 side (which waits for a request that never comes) stamps no stalled read.
     */
    private int readFirstBytes(ByteBuffer dst) throws IOException {
        if (preface == HTTP_2) {
            return 0; // HTTP/2 has taken the connection over and reads beneath this conduit
        }
        if (preface == REPLAYING) {
            return readReplay(dst); // bytes already read (and reported): handed up now
        }
        int start = dst.position();
        int read = readReportingProgress(dst);
        if (read <= 0) {
            return read;
        }
        int held = preface; // preface bytes of earlier reads
        if (held == 0 && !guarded.mayOpenWithHttp2Preface()) {
            preface = HTTP_1;
            return read;
        }
        int matched = held;
        int same = 0;
        while (same < read && matched < PREFACE.length && dst.get(start + same) == PREFACE[matched]) {
            same++;
            matched++;
        }
        if (matched == PREFACE.length) {
            preface = HTTP_2;
            ByteBuffer after = ByteBuffer.allocate(read - same);
            after.put(dst.duplicate().position(start + same).limit(start + read)).flip();
            dst.position(start);
            next.suspendReads();
            connection.getIoThread().execute(() -> guarded.prefaceArrived(after));
            return 0;
        }
        if (same == read) {
            preface = (byte) matched;
            dst.position(start); // all of it may still be the preface: held back
            return 0;
        }
        if (held == 0) {
            preface = HTTP_1;
            return read;
        }
        replay = ByteBuffer.allocate(held + read);
        replay.put(PREFACE, 0, held).put(dst.duplicate().position(start).limit(start + read)).flip();
        dst.position(start);
        preface = REPLAYING;
        return readReplay(dst);
    }

    private int readReplay(ByteBuffer dst) {
        int count = Math.min(dst.remaining(), replay.remaining());
        dst.put(replay.duplicate().limit(replay.position() + count));
        replay.position(replay.position() + count);
        if (!replay.hasRemaining()) {
            replay = null;
            preface = HTTP_1;
        }
        return count;
    }

    /** The conduit beneath this one (the socket's or the TLS engine's): where HTTP/2 reads once its preface came. */
    public StreamSourceConduit beneath() {
        return next;
    }

    private FramingViolation slowBody() {
        return new FramingViolation(408, "request body slower than " + limits.minBodyRate() + " bytes/s", false);
    }

    /**
     * Tracks the current body's rate ({@link BodyRate}); true once it is below the minimum on
     * average after the grace, or over the last window.
     */
    private boolean tooSlow(FramingScanner framing, boolean wasInBody, int read) {
        BodyRate rate = bodyRate;
        if (!framing.inBody()) {
            if (rate != null) {
                rate.outsideBody();
            }
            return false;
        }
        if (rate == null) {
            rate = new BodyRate();
            bodyRate = rate;
        }
        return rate.tooSlow(wasInBody, read, limits.minBodyRate());
    }

    /**
     * From the watchdog's sweep, while a read waits for body bytes: a body that sends nothing at
     * all is checked too, not only when bytes arrive (a trickle of a byte every 20 s would
     * otherwise be checked once per byte). Any thread; the check runs on the IO thread.
     */
    void checkBodyRate(long now) {
        BodyRate rate = bodyRate;
        long windowStart = rate == null ? 0 : rate.windowStartNanos();
        if (limits.minBodyRate() > 0 && windowStart != 0 && now - windowStart >= BodyRate.WINDOW_NANOS && lingering == null) {
            connection.getIoThread().execute(this::refuseIfBodyTooSlow);
        }
    }

    private void refuseIfBodyTooSlow() {
        BodyRate rate = bodyRate;
        if (cut || lingering != null || rate == null || !scanner().inBody() || !rate.windowTooSlow(limits.minBodyRate())) {
            return;
        }
        scanner().abort(slowBody());
        cut = true;
        try {
            refuse(); // 408 the lingering way while the response has not started
        } catch (IOException e) {
            IoUtils.safeClose(connection); // it had: only a close can end it
        }
    }

    // Once cut, the bytes that would make the socket readable are already consumed, so a reader
    // waiting for readiness would wait forever: report the conduit readable instead, and the
    // next read refuses.

    @Override
    public void resumeReads() {
        if (lingering != null || preface == HTTP_2) {
            return; // the lingering close, or HTTP/2, owns the socket's reads
        }
        if (cut || preface == REPLAYING) {
            next.wakeupReads(); // bytes are ready here though the socket may have none
        } else {
            next.resumeReads();
        }
    }

    @Override
    public void suspendReads() {
        if (lingering == null) {
            next.suspendReads();
        }
    }

    @Override
    public void wakeupReads() {
        if (lingering == null && preface != HTTP_2) {
            next.wakeupReads();
        }
    }

    @Override
    public void terminateReads() throws IOException {
        if (lingering == null) {
            next.terminateReads(); // while lingering, the close comes when lingering ends
        }
    }

    @Override
    public void setReadReadyHandler(ReadReadyHandler handler) {
        upstreamHandler = handler;
        if (lingering == null) {
            next.setReadReadyHandler(handler);
        }
    }

    @Override
    public void awaitReadable() throws IOException {
        LingeringClose closing = lingering;
        if (closing != null) {
            closing.awaitFinished(0); // a blocking reader waits for the close, then reads its end
        } else if (!cut) {
            progress.readFoundNothing(); // a blocking reader waits here
            next.awaitReadable();
        }
    }

    @Override
    public void awaitReadable(long time, TimeUnit timeUnit) throws IOException {
        LingeringClose closing = lingering;
        if (closing != null) {
            closing.awaitFinished(timeUnit.toNanos(time));
        } else if (!cut) {
            progress.readFoundNothing();
            next.awaitReadable(time, timeUnit);
        }
    }

    private int refuse() throws IOException {
        FramingViolation violation = scanner().violation();
        if (!reported) {
            reported = true;
            guarded.refused(violation);
            FramingRefusedEvent.emit(violation, connection.getPeerAddress());
            LOG.fine(() -> "refusing request from " + connection.getPeerAddress() + ": " + violation);
        }
        if (!violation.inHead()) {
            // Undertow closes the connection on any body read error, so the handler could never
            // answer: answer here while the running request's response has not started, and
            // give the handler no error (it would close at once) until the lingering is over.
            if (!answered && !guarded.responseStarted()) {
                answered = true;
                refuseConnection(violation.status(), violation.reason());
                return 0;
            }
            throw new MalformedBodyException(violation);
        }
        if (!answered && !guarded.requestRunning()) {
            answered = true;
            refuseConnection(violation.status(), violation.reason());
            return 0; // Undertow waits for the rest of the head, which never comes
        }
        IoUtils.safeClose(connection);
        return -1;
    }

    /** A read once the lingering close is over: the refused body's error, or end of stream. */
    private int afterLingering() throws IOException {
        FramingViolation violation = scanner().violation();
        if (violation != null && !violation.inHead()) {
            throw new MalformedBodyException(violation);
        }
        return -1;
    }

    /**
     * Answers {@code status} with a one-line body and {@code Connection: close} straight to the
     * socket, then closes the lingering way. Only while no response of the connection has started.
     * Any thread; the work runs on the connection's IO thread.
     */
    public void refuseConnection(int status, String reason) {
        linger(DirectAnswer.response(status, reason));
    }

    private void linger(byte[] answer) {
        LingeringClose closing;
        synchronized (this) { // the watchdog's 408 and a reader's refusal may race; one close wins
            if (lingering != null) {
                return;
            }
            closing = new LingeringClose(connection, next, this, guarded);
            lingering = closing;
        }
        progress.readMadeProgress(); // no read timeout while lingering: it has its own bound
        if (Thread.currentThread() == connection.getIoThread()) {
            closing.start(answer, rawSink);
        } else {
            connection.getIoThread().execute(() -> closing.start(answer, rawSink));
        }
    }

    void upstreamTerminated() {
        upstreamHandler().terminated();
    }

    void upstreamForceTermination() {
        upstreamHandler().forceTermination();
    }

    /** The handler of the layers above: the one set through this conduit, or the source channel's own. */
    ReadReadyHandler upstreamHandler() {
        ReadReadyHandler handler = upstreamHandler;
        return handler != null ? handler : new ReadReadyHandler.ChannelListenerHandler<>(connection.getSourceChannel());
    }
}
