package io.mpool.server.transport;

import io.mpool.server.stats.ServerStats;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import javax.net.ssl.SSLSession;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.ssl.SslConnection;

/**
 * The handshake of one TLS connection: when it started and finished, what it agreed on, and its
 * time limit, which the server's sweep enforces ({@link #checkTimeout}) like the other timeouts,
 * without a timer per connection. A connection closed before its handshake finished counts as a
 * handshake failure (a timeout, plain HTTP or random bytes, a client that gave up).
 */
public final class TlsHandshake implements TlsDescription, ChannelListener<SslConnection> {
    private final SslConnection connection;
    /** The listener's TLS: its counters and handshake timeout, shared by its connections. */
    private final TlsWrapping wrapping;
    private final long startedNanos = System.nanoTime();
    /**
     * The wall clock when the handshake started, in the unit of {@link SSLSession#getCreationTime()}:
     * a session created before it was resumed ({@link #handshakeFinished}).
     */
    private final long startedMillis = System.currentTimeMillis();
    /** 0 until the handshake finished. */
    private volatile long finishedNanos;
    private volatile String protocol;
    private volatile String cipherSuite;
    private volatile String applicationProtocol;
    private volatile boolean resumed;
    private boolean closeCounted;
    /** What runs when the handshake finished ({@link #whenFinished}); null: nothing, or it ran. */
    private volatile Runnable onFinished;

    /** Watches the handshake of {@code connection} from now on; call before its first read. */
    TlsHandshake(SslConnection connection, TlsWrapping wrapping) {
        this.connection = connection;
        this.wrapping = wrapping;
        connection.getHandshakeSetter().set(this); // itself, not a lambda: one object less per connection
    }

    /** Undertow's handshake listener: the handshake finished. */
    @Override
    public void handleEvent(SslConnection finished) {
        handshakeFinished();
    }

    private void handshakeFinished() {
        if (finishedNanos != 0) {
            return; // a later handshake (TLS 1.3 key update): the first one counts
        }
        SSLSession session = connection.getSslSession();
        if (session != null) {
            protocol = session.getProtocol();
            cipherSuite = session.getCipherSuite();
            resumed = session.getCreationTime() < startedMillis;
        }
        applicationProtocol = UndertowXnioSsl.getSslEngine(connection).getApplicationProtocol();
        finishedNanos = Math.max(1, System.nanoTime());
        ServerStats stats = wrapping.stats();
        stats.tlsHandshakeFinished();
        if (resumed) {
            stats.tlsSessionResumed();
        }
        Runnable action = onFinished;
        if (action != null) {
            onFinished = null; // it runs once: an idle connection does not keep it
            action.run();
        }
    }

    /** The decrypted side of the connection, what the HTTP layers read and write. */
    public SslConnection connection() {
        return connection;
    }

    public boolean finished() {
        return finishedNanos != 0;
    }

    /**
     * Called by the sweep: closes the connection if its handshake has run longer than the
     * handshake timeout.
     *
     * @return true if it was closed
     */
    public boolean checkTimeout(long now) {
        if (finishedNanos != 0 || now - startedNanos <= wrapping.handshakeTimeoutNanos() || !connection.isOpen()) {
            return false;
        }
        wrapping.stats().tlsHandshakeTimedOut();
        IoUtils.safeClose(connection);
        return true;
    }

    /** The connection closed: a handshake that had not finished failed (counted once). */
    public synchronized void connectionClosed() {
        if (!closeCounted && finishedNanos == 0) {
            wrapping.stats().tlsHandshakeFailed();
        }
        closeCounted = true;
    }

    @Override
    public void whenFinished(Runnable action) {
        this.onFinished = action;
    }

    @Override
    public String protocol() {
        return protocol;
    }

    @Override
    public String cipherSuite() {
        return cipherSuite;
    }

    /**
     * Whether the handshake resumed an earlier session (a TLS 1.2 session id or ticket, a TLS 1.3
     * pre-shared key) instead of a full handshake. JSSE does not say so on the server's side; a
     * resumed session is one it made before this handshake began: its creation time, kept in a
     * session cache and in a ticket alike, is older than this handshake, where a full handshake makes
     * its session while it runs.
     */
    @Override
    public boolean resumed() {
        return resumed;
    }

    @Override
    public String applicationProtocol() {
        return applicationProtocol;
    }

    @Override
    public long handshakeMicros() {
        long finished = finishedNanos;
        return finished == 0 ? -1 : (finished - startedNanos) / 1000;
    }
}
