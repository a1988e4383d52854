package io.mpool.server.connection;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.server.config.RequestLimits;
import io.mpool.server.transport.AccessLogHandler;
import io.mpool.server.transport.ConnectionWatchdog;
import io.mpool.server.transport.HttpConnections;
import io.mpool.server.transport.RequestFramingConduit;
import io.mpool.server.transport.RequestTracker;
import io.mpool.server.transport.TlsDescription;
import io.mpool.server.transport.TlsHandshake;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpServerConnection;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.conduits.ConduitStreamSourceChannel;

/**
 * One accepted connection and everything it owns, from accept to the last page given back: its
 * place in the listener's limit, TLS, the read and write timeouts ({@link ConnectionWatchdog}),
 * the framing check ({@link RequestFramingConduit}), which request runs ({@link RequestTracker}),
 * its memory ({@link ConnectionBufferPool}; none when the listener shares one pool) and Undertow's
 * HTTP/1.1 over all of it. It is in its listener's {@link ConnectionRegistry} from accept until it
 * is closed and its memory is back; {@link #closed()} is the one place it is torn down, whether the
 * channel's close listener or the sweep saw the close first.
 *
 * <p>Life: {@link #accept} (admitted, wrapped, set up, registered) → requests (Undertow; the pool
 * resets after each) → {@link #sweep} once a second (timeouts; an idle connection gives its memory
 * back) → {@link #closed()} (the place freed, TLS closed, the pool destroyed once nothing is open,
 * then the registry forgets it).
 *
 * <p>What an idle connection keeps is what the server pays per connection, so the connection is
 * one object with the least it needs: it is its own request tracker and root handler (its
 * superclasses {@link RequestTracker} and {@link RequestScopeHandler}, as {@link PoolLifecycle} is
 * its pool's), its own place in the listener's limit (two fields, not an object), its pool's owner,
 * and the close listener of Undertow's connection (not a second listener XNIO would merge). Once
 * the sweep finds it idle it also drops Undertow's read listener and parse state, and then
 * Undertow's connection whole, and is the channel's read and close listener until the next bytes
 * come ({@link HttpConnections#park}, {@link HttpConnections#release}).
 */
public final class Connection extends RequestScopeHandler implements ChannelListener<Channel>, PoolOwner {
    private static final Logger LOG = Logger.getLogger(Connection.class.getName());
    private static final VarHandle PLACE;
    /** {@link #place}: admitted, its first request head not yet complete (it counts as unfinished). */
    private static final int HEAD_PENDING = 0;
    /** {@link #place}: its first request head is complete. */
    private static final int HEAD_ARRIVED = 1;
    /** {@link #place}: closed, its place in the listener's limit given back; torn down. */
    private static final int CLOSED = 2;

    static {
        try {
            PLACE = MethodHandles.lookup().findVarHandle(Connection.class, "place", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Listener listener;
    private final long id;
    /** The socket as accepted: beneath TLS when there is TLS (the sweep checks it, TLS may not see a reset). */
    private final StreamConnection raw;
    /** The client's address, as the listener's limit counts it (null: none); the JDK's, not a copy. */
    private final InetAddress address;
    /** The application, with the access log when it is on (null until set up). */
    private HttpHandler application;
    /** The TLS layer over {@link #raw}, or null: a plain connection. */
    private TlsHandshake handshake;
    private ConnectionWatchdog watchdog;
    /** The framing check beneath Undertow (null until set up): an idle connection drops its scanner. */
    private RequestFramingConduit framing;
    /** This connection's memory, or null: the listener's shared pool, or none yet. */
    private ConnectionBufferPool pool;
    /** Its place in the listener's limit, and whether it is torn down: {@link #HEAD_PENDING}, {@link #HEAD_ARRIVED}, {@link #CLOSED}. */
    private volatile int place = HEAD_PENDING;

    private Connection(Listener listener, long id, StreamConnection raw, InetAddress address) {
        this.listener = listener;
        this.id = id;
        this.raw = raw;
        this.address = address;
    }

    /**
     * A newly accepted channel: admitted (or refused, answered and closed), TLS-wrapped when the
     * listener has TLS (the engine's buffers from the connection's pool), the timeouts and the
     * framing check put beneath Undertow on the decrypted side, registered, and served.
     */
    static void accept(Listener listener, StreamConnection raw) {
        if (listener.stopping().getAsBoolean()) {
            IoUtils.safeClose(raw);
            return;
        }
        InetAddress address = addressOf(raw.getPeerAddress());
        if (listener.admission().admit(raw, address)) {
            new Connection(listener, listener.registry().nextId(), raw, address).open();
        }
    }

    private static InetAddress addressOf(SocketAddress peer) {
        return peer instanceof InetSocketAddress socket ? socket.getAddress() : null;
    }

    private void open() {
        Listener on = listener;
        if (on.tls() != null) {
            if (on.pooled()) { // the engine's buffers come from the pool: it comes first
                pool = openPool(null);
                if (pool == null) {
                    closed(); // never registered: its place is given back
                    return;
                }
            }
            handshake = on.tls().wrap(raw, pool == null ? null : pool.tlsPacketBuffers(on.tls().packetSize()));
        }
        // Read/write timeouts by progress stamps checked in the sweep, not Undertow's timeout
        // conduits (a timer re-armed per read and per write; see ConnectionWatchdog).
        watchdog = new ConnectionWatchdog(this);
        watchdog.install();
        // The framing check also chooses the protocol: an HTTP/2 preface goes to HTTP/2 (prefaceArrived).
        framing = RequestFramingConduit.install(channel(), on.limits(), this, on.http2() != null)
                .trackingProgress(watchdog);
        if (on.pooled() && pool == null) {
            pool = openPool(framing);
            if (pool == null) {
                addCloseListener(); // its descriptor is held until the lingering 503 ends
                return;
            }
        }
        on.registry().add(this);
        application = applicationHandler();
        serveHttp11(null);
    }

    /**
     * Undertow's HTTP/1.1 over the channel, reading: at accept, and when the next bytes of a parked
     * connection whose Undertow side went have come ({@link #readWhileReleased}, which read them
     * into {@code readAlready}; null at accept).
     */
    private void serveHttp11(PooledByteBuffer readAlready) {
        try {
            // This connection is the root handler and the close listener of Undertow's connection.
            listener.http().open(channel(), pool != null ? pool : listener.sharedBuffers(), listener.bufferSize(), this, this,
                    readAlready);
        } catch (ArenaExhaustedException | ConnectionCapExceededException e) {
            // The first read could not get memory: the pool has already logged the refusal
            // (rate-limited), answered 503 and is closing the connection the lingering way;
            // closing here would reset it.
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "setting up a connection from " + channel().getPeerAddress() + " failed", e);
            IoUtils.safeClose(channel());
        } finally {
            if (!channel().isOpen()) {
                closed(); // closed during the set-up: the listener may never run
            }
        }
    }

    /**
     * The HTTP/2 preface came (the framing check saw it): HTTP/2 takes the connection over, and the
     * channel's close comes to this connection straight, no longer through Undertow's HTTP/1.1
     * connection, which has read nothing and has nothing to close: it goes, and with it its read
     * listener, parse state and conduits, which an idle HTTP/2 connection would otherwise keep.
     */
    @Override
    public void prefaceArrived(ByteBuffer afterPreface) {
        listener.http2().open(channel(), framing.beneath(), afterPreface, listener.tls() != null,
                pool != null ? pool : listener.sharedBuffers(), pool, this, application);
        HttpConnections.replaceCloseListener(channel(), this); // false: closed already, and torn down
    }

    /** The application, with the access log when it is on. */
    private HttpHandler applicationHandler() {
        return listener.accessLog() == null ? listener.application() : new AccessLogHandler(listener.accessLog(), id,
                pool == null ? null : pool::requestBytesInUse, listener.application());
    }

    @Override
    ConnectionBufferPool requestPool() {
        return pool;
    }

    @Override
    Listener listener() {
        return listener;
    }

    @Override
    HttpHandler next() {
        return application;
    }

    /** The first request head is complete: the connection no longer counts as unfinished (once). */
    @Override
    protected void firstHeadArrived() {
        if (place == HEAD_PENDING && PLACE.compareAndSet(this, HEAD_PENDING, HEAD_ARRIVED)) {
            listener.admission().headArrived(address);
        }
    }

    /**
     * The connection's own pool, or null when the arena is exhausted: answered 503 through
     * {@code framing}, or closed at once without it (before TLS: no plain 503 for a TLS client).
     */
    private ConnectionBufferPool openPool(RequestFramingConduit framing) {
        try {
            return listener.registry().openPool(this);
        } catch (ArenaExhaustedException e) {
            listener.refusals().log(e);
            if (framing == null) {
                IoUtils.safeClose(raw);
            } else {
                framing.refuseConnection(503, "server out of memory for new connections; retry later");
            }
            return null;
        }
    }

    /** Without Undertow's connection (refused before it was set up): the channel's close listener. */
    private void addCloseListener() {
        channel().setCloseListener(this);
        if (!channel().isOpen()) {
            closed(); // closed during the set-up: the listener would never run
        }
    }

    /**
     * The pool could not get memory: the server answers 503 and closes if no request is running,
     * else closes ({@link AllocationRefusedAnswer}). Before the framing check is in place (the TLS
     * handshake's buffers) the refusal is only thrown.
     */
    @Override
    public void allocationRefused(RuntimeException refusal) {
        if (framing != null) {
            AllocationRefusedAnswer.answer(refusal, listener.refusals(), pool, channel(), this, framing);
        }
    }

    /** The pool's last page is back: the registry forgets the connection. */
    @Override
    public void poolDestroyed() {
        listener.registry().remove(this);
    }

    /** The peer's address (XNIO makes a new one per call: made only when shown). */
    @Override
    public String peer() {
        return String.valueOf(raw.getPeerAddress());
    }

    /**
     * The close listener (of Undertow's connection, after its own close handling, or of the
     * channel), and the read listener of a parked connection: its next bytes have come.
     */
    @Override
    public void handleEvent(Channel channel) {
        if (channel instanceof ConduitStreamSourceChannel source) {
            HttpServerConnection http = undertowConnection();
            if (http != null) {
                listener.http().resume(http);
            } else {
                readWhileReleased(source); // its Undertow side went while parked
            }
        } else {
            closed();
        }
    }

    /**
     * The channel of a parked connection whose Undertow side went is readable: its next bytes, or
     * its client's close, which is how most idle keep-alive connections end. The read is done here,
     * through the framing check (which sees every byte, as it would under Undertow), into the
     * buffer Undertow's read listener would take for it (the head buffer, in the connection's own
     * node), so that a close builds nothing:
     * <ul>
     *   <li>end of stream (a FIN; over TLS a close_notify), or a read error (a reset): the channel
     *   is closed as Undertow's read listener closes it, and the connection torn down
     *   ({@link #closed()}), with no Undertow connection built only to read that end;</li>
     *   <li>bytes: Undertow's connection is made, as at accept, and parses them first, as it parses
     *   bytes it read ahead of a pipelined request, then reads on: every byte read once, in order;</li>
     *   <li>nothing for HTTP/1.1 yet (part of a TLS record, empty lines the framing check drops, or
     *   the framing check refusing and closing the lingering way): the buffer goes back and the
     *   connection stays parked, as Undertow's read listener would wait.</li>
     * </ul>
     * No HTTP/2 preface comes here: a connection is parked only after its first request ran on
     * Undertow's HTTP/1.1, so its first bytes were a request, and the framing check looks for the
     * preface in a connection's first bytes only (RFC 9113 3.4: prior knowledge starts with it).
     * On the connection's IO thread.
     */
    private void readWhileReleased(ConduitStreamSourceChannel source) {
        assert pool != null : "connection " + id + " parked without a pool of its own";
        PooledByteBuffer read;
        try {
            read = pool.allocate();
        } catch (ArenaExhaustedException | ConnectionCapExceededException e) {
            return; // refused: answered 503 the lingering way (allocationRefused), which closes
        } catch (IllegalStateException e) {
            IoUtils.safeClose(channel()); // closing already: as Undertow's read listener does
            return;
        }
        int count;
        try {
            count = source.read(read.getBuffer().clear());
        } catch (IOException e) {
            LOG.log(Level.FINE, e, () -> "reading from " + channel().getPeerAddress() + " failed"); // a reset, mostly
            count = -1;
        } catch (RuntimeException | Error e) {
            read.close();
            throw e;
        }
        if (count > 0 && HttpConnections.replaceCloseListener(channel(), null)) { // Undertow's sets its own
            read.getBuffer().flip();
            serveHttp11(read); // Undertow's from here on, the bytes read with it
            return;
        }
        read.close(); // before the close: the destroy waits for no buffer of the connection
        if (count < 0) {
            IoUtils.safeClose(channel()); // its close listener, this connection, tears it down
            closed();
        }
    }

    /**
     * The one teardown, run once whoever sees the close first: the listener's place freed, TLS
     * closed beneath, the pool destroyed as soon as nothing is open (then the registry forgets
     * the connection; without a pool, at once).
     */
    void closed() {
        int was = (int) PLACE.getAndSet(this, CLOSED);
        if (was == CLOSED) {
            return;
        }
        listener.admission().closed(address, was == HEAD_ARRIVED);
        if (handshake != null) {
            handshake.connectionClosed();
            IoUtils.safeClose(raw);
        }
        if (pool != null) {
            pool.channelClosed(raw);
        } else {
            listener.registry().remove(this);
        }
    }

    /**
     * Once a sweep: a connection whose socket closed behind the close listener's back is torn
     * down; otherwise its timeouts are checked, and one that served no request since the last
     * sweep gives its memory back, its framing scanner included.
     */
    void sweep(long now) {
        if (place == CLOSED) {
            return;
        }
        if (!raw.isOpen() || !channel().isOpen()) {
            closed();
            return;
        }
        if (watchdog != null && watchdog.check(now)) {
            return;
        }
        if (pool != null && pool.releaseIdleMemory() && framing != null && framing.holdsScanner()) {
            // Idle: the per-request state goes too, on the thread that reads.
            channel().getIoThread().execute(this::dropRequestStateWhileIdle);
        }
    }

    /**
     * On the IO thread, for a connection the sweep found idle: the framing scanner goes, and
     * Undertow's read listener with its parse state ({@link HttpConnections#park}), then Undertow's
     * connection ({@link HttpConnections#release}); the next bytes make them again. Not while a
     * request runs, after an upgrade or on HTTP/2.
     */
    private void dropRequestStateWhileIdle() {
        framing.dropScannerBetweenRequests();
        HttpServerConnection http = undertowConnection();
        if (http != null && !framing.holdsScanner() && !requestRunning() && !upgraded() && !servesStreams()
                && HttpConnections.park(http, this) && HttpConnections.release(http, this)) {
            undertowConnectionReleased();
        }
    }

    /** The TLS session for the pool's packet buffers and the admin view (null: a plain connection). */
    @Override
    public TlsDescription tlsSession() {
        return handshake;
    }

    /** What Undertow reads and writes: {@link #raw}, or the TLS channel over it. */
    @Override
    protected StreamConnection channel() {
        return handshake == null ? raw : handshake.connection();
    }

    @Override
    protected RequestLimits limits() {
        return listener.limits();
    }

    @Override
    protected TlsHandshake handshake() {
        return handshake;
    }

    @Override
    protected RequestFramingConduit framing() {
        return framing;
    }

    /** Closes the channel (the close listener tears the connection down). */
    void close() {
        IoUtils.safeClose(channel());
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public ConnectionRegistry registry() {
        return listener.registry();
    }

    /** This connection's memory, or null when its listener shares one pool. */
    public ConnectionBufferPool pool() {
        return pool;
    }

    /**
     * Whether this connection holds per-request state while no request runs: its framing scanner
     * (dropped once the sweep finds the connection idle, made again by the next read).
     */
    public boolean holdsFramingScanner() {
        return framing != null && framing.holdsScanner();
    }

    /** Whether the channel is still open (not yet torn down). */
    public boolean isOpen() {
        return place != CLOSED && channel().isOpen();
    }
}
