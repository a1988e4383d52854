package io.mpool.server.connection;

import io.mpool.server.config.RequestLimits;
import io.mpool.server.stats.ServerStats;
import io.mpool.server.transport.AccessLog;
import io.mpool.server.transport.Admission;
import io.mpool.server.transport.HttpConnections;
import io.mpool.server.transport.RefusalLog;
import io.mpool.server.transport.RequestMetrics;
import io.mpool.server.transport.TlsWrapping;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.HttpHandler;
import java.util.function.BooleanSupplier;
import org.xnio.ChannelListener;
import org.xnio.StreamConnection;

/**
 * What every connection accepted on one listener shares, and the accept step that makes each of
 * them a {@link Connection}: the accept limit, the request limits and timeouts, where memory comes
 * from (a region per connection, or one buffer pool shared by all), TLS, Undertow's HTTP/1.1 set-up
 * and the application the requests go to. The main listener, the HTTPS listener and the admin
 * listener are three of these; nothing else differs between their connections.
 *
 * @param admission      the accept-side limit
 * @param limits         read, write, parse and idle timeouts, request line, head and body limits (the
 *                       largest request body the framing check lets through)
 * @param registry       where the listener's live connections are (one map; the sweep walks it)
 * @param sharedBuffers  null: every connection gets a region of its own from {@code registry};
 *                       otherwise the one buffer pool all connections take from (Undertow's way)
 * @param bufferSize     bytes of each of Undertow's buffers
 * @param tls            TLS on accepted channels, or null: plain HTTP
 * @param http           Undertow's HTTP/1.1 set-up, with the listener's options
 * @param http2          HTTP/2 (h2c by prior knowledge, h2 by ALPN), or null: HTTP/1.1 only
 * @param application    the handler requests go to
 * @param accessLog      the access log, or null: off
 * @param requestMetrics the request metrics the main listeners record, or null: none
 * @param countsRequests whether requests count in the server's totals and drain (the main
 *                       listeners), or only tell the framing check which one runs (admin)
 * @param stats          the server's counters
 * @param refusals       the rate-limited log of memory refusals
 * @param stopping       true once the server stops: new connections are closed at once
 */
public record Listener(Admission admission, RequestLimits limits, ConnectionRegistry registry,
        ByteBufferPool sharedBuffers, int bufferSize, TlsWrapping tls, HttpConnections http, Http2Connections http2,
        HttpHandler application,
        AccessLog accessLog, RequestMetrics requestMetrics, boolean countsRequests, ServerStats stats, RefusalLog refusals, BooleanSupplier stopping)
        implements ChannelListener<StreamConnection> {

    /** One accepted channel: admitted or refused, then set up as a {@link Connection}. */
    @Override
    public void handleEvent(StreamConnection channel) {
        Connection.accept(this, channel);
    }

    /** Whether each connection gets a region of its own. */
    boolean pooled() {
        return sharedBuffers == null;
    }
}
