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
    /** 0 until the handshake finished. */
    private volatile long finishedNanos;
    private volatile boolean resumed;
    private boolean closeCounted;

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

    /**
     * What the session agreed on is not copied here: the engine keeps it, and the admin view asks
     * the engine ({@link #protocol()}), so an idle connection holds one small object for its TLS.
     */
    private void handshakeFinished() {
        if (finishedNanos != 0) {
            return; // a later handshake (TLS 1.3 key update): the first one counts
        }
        long finished = Math.max(1, System.nanoTime());
        SSLSession session = connection.getSslSession();
        // A resumed session was made before this handshake began (see resumed()). The start in
        // the session's clock, the wall clock: now less the time the handshake took, rounded up
        // so that it is never later than the start (a session made during it is never resumed).
        long startedMillis = System.currentTimeMillis() - (finished - startedNanos + 999_999) / 1_000_000;
        resumed = session != null && session.getCreationTime() < startedMillis;
        finishedNanos = finished;
        ServerStats stats = wrapping.stats();
        stats.tlsHandshakeFinished();
        if (resumed) {
            stats.tlsSessionResumed();
        }
    }

    /** The decrypted side of the connection, what the HTTP layers read and write. */
    public SslConnection connection() {
        return connection;
    }

    @Override
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
    public String protocol() {
        SSLSession session = finishedSession();
        return session == null ? null : session.getProtocol();
    }

    @Override
    public String cipherSuite() {
        SSLSession session = finishedSession();
        return session == null ? null : session.getCipherSuite();
    }

    /** The engine's session once the handshake finished; null while it runs. */
    private SSLSession finishedSession() {
        return finishedNanos == 0 ? null : connection.getSslSession();
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
        return finishedNanos == 0 ? null : UndertowXnioSsl.getSslEngine(connection).getApplicationProtocol();
    }

    @Override
    public long handshakeMicros() {
        long finished = finishedNanos;
        return finished == 0 ? -1 : (finished - startedNanos) / 1000;
    }
}
