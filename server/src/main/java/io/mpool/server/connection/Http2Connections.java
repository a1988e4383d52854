package io.mpool.server.connection;

import io.mpool.server.config.Http2Settings;
import io.mpool.server.stats.ServerStats;
import io.mpool.server.transport.Http2FrameGuard;
import io.mpool.server.transport.Http2GoAwayWriter;
import io.mpool.server.transport.RequestTracker;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.http2.Http2Channel;
import io.undertow.server.HttpHandler;
import java.nio.ByteBuffer;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.conduits.StreamSourceConduit;

/**
 * HTTP/2 on an accepted connection: h2c with prior knowledge on the plain listener, h2 after ALPN
 * on the TLS one, both recognised by the client preface, which the HTTP/1.1 framing check
 * ({@code RequestFramingConduit}) looks for in a connection's first bytes. When the preface has
 * come, {@link #open} takes the connection over from Undertow's HTTP/1.1 (which has read nothing:
 * the preface was held back from it), as Undertow's own prior-knowledge path does, but with
 * <ul>
 *   <li>the HTTP/1.1 framing check (its preface check with it) taken out of the read path:
 *   Undertow's {@link Http2Channel} reads through an {@link Http2FrameGuard} straight from the socket (or
 *   the TLS engine), and that guard, Undertow's frame parser and the limits below guard it
 *   instead;</li>
 *   <li>the channel's buffers (frames read, frames written: headers, data, control frames) from
 *   the connection's pool, the connection tier, block by block (Undertow keeps its HPACK tables
 *   on the heap);</li>
 *   <li>each stream's exchange on a region of its own ({@link Http2StreamListener}).</li>
 * </ul>
 */
public final class Http2Connections {
    /** Undertow's ALPN name of HTTP/2 over TLS. */
    public static final String H2 = "h2";
    /** HTTP/2 in the clear (prior knowledge). */
    public static final String H2C = "h2c";

    private final OptionMap options;
    private final Http2Settings settings;
    private final int bufferSize;
    private final ServerStats stats;

    /** HTTP/2 with {@code base} (the HTTP/1.1 connections' Undertow options) and {@code settings}' limits. */
    public Http2Connections(OptionMap base, Http2Settings settings, int bufferSize, ServerStats stats) {
        this.settings = settings;
        this.bufferSize = bufferSize;
        this.stats = stats;
        this.options = OptionMap.builder().addAll(base)
                .set(UndertowOptions.ENABLE_HTTP2, true)
                // Undertow advertises it; Http2StreamListener enforces it (REFUSED_STREAM).
                .set(UndertowOptions.HTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings.maxConcurrentStreams())
                .set(UndertowOptions.HTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings.maxHeaderListSize())
                .set(UndertowOptions.HTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings.initialWindowSize())
                // Undertow's rapid-reset window, at the same values as Http2FrameGuard's count.
                .set(UndertowOptions.MAX_RST_FRAMES_PER_WINDOW, settings.maxResetsPerWindow())
                .set(UndertowOptions.RST_FRAMES_TIME_WINDOW, (int) settings.resetWindow().toMillis())
                // No server push: a request-driven server has nothing to push.
                .set(UndertowOptions.HTTP2_SETTINGS_ENABLE_PUSH, false)
                .getMap();
    }

    /**
     * Loads what HTTP/2 reaches inside Undertow (its package-private TLS session view), so that an
     * Undertow whose internals moved fails at server start, not on the first HTTP/2 connection.
     *
     * @throws ExceptionInInitializerError naming what is missing
     */
    public static void check() {
        Http2StreamListener.check();
    }

    /**
     * Serves {@code channel} as HTTP/2 from now on, reading {@code beneath} the framing check (on its
     * IO thread, once that check has seen the client preface; {@code afterPreface}: the bytes read
     * after it): the channel's buffers
     * from {@code pool}, each stream's from a region of {@code connection} (null with
     * {@code --pool undertow}: every buffer from {@code pool}), the streams counted by
     * {@code tracker} for the idle timeout.
     */
    public void open(StreamConnection channel, StreamSourceConduit beneath, ByteBuffer afterPreface, boolean tls,
                     ByteBufferPool pool, ConnectionBufferPool connection, RequestTracker tracker, HttpHandler root) {
        String protocol = tls ? H2 : H2C;
        try {
            Http2Streams streams = connection == null ? null : connection.servesHttp2(protocol);
            Http2FrameGuard guard = new Http2FrameGuard(beneath, afterPreface, settings, stats);
            channel.getSourceChannel().setConduit(guard); // the framing check (and its preface check) is out
            Http2GoAwayWriter goAway = new Http2GoAwayWriter(channel.getSinkChannel().getConduit());
            channel.getSinkChannel().setConduit(goAway);
            Http2Channel http2 = new Http2Channel(channel, protocol, pool, null, false, false, false, options);
            if (streams != null) {
                streams.trimSparesOn(http2);
            }
            guard.guarding(http2);
            Http2StreamListener listener = new Http2StreamListener(http2, goAway, root, options, bufferSize, streams,
                    settings.maxConcurrentStreams(), stats);
            http2.addCloseTask(c -> listener.connectionClosed()); // the streams' regions too
            tracker.servesStreams(listener);
            http2.getReceiveSetter().set(listener);
            http2.resumeReceives();
        } catch (RuntimeException e) {
            IoUtils.safeClose(channel);
            throw e;
        }
    }
}
