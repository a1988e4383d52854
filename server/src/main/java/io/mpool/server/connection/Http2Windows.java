package io.mpool.server.connection;

import io.undertow.protocols.http2.Http2Channel;
import io.undertow.protocols.http2.Http2StreamSinkChannel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The send windows Undertow's HTTP/2 keeps to itself: the connection's ({@code Http2Channel}'s
 * {@code sendWindowSize}) and a stream's ({@code Http2StreamSinkChannel}'s
 * {@code flowControlWindow}). Undertow holds a frame back while either is used up and offers no
 * way to ask; the watchdog needs to know whether a connection's writes wait for the peer's
 * WINDOW_UPDATE (a stall the socket never sees). Read racily: a look, not a decision under a
 * lock.
 */
final class Http2Windows {
    private static final VarHandle CONNECTION_WINDOW;
    private static final VarHandle STREAM_WINDOW;

    static {
        try {
            CONNECTION_WINDOW = MethodHandles.privateLookupIn(Http2Channel.class, MethodHandles.lookup())
                    .findVarHandle(Http2Channel.class, "sendWindowSize", long.class);
            STREAM_WINDOW = MethodHandles.privateLookupIn(Http2StreamSinkChannel.class, MethodHandles.lookup())
                    .findVarHandle(Http2StreamSinkChannel.class, "flowControlWindow", int.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException("this Undertow's HTTP/2 is not what mpool"
                    + " expects (Undertow 2.3: Http2Channel.sendWindowSize, Http2StreamSinkChannel.flowControlWindow): "
                    + e, e));
        }
    }

    private Http2Windows() {
    }

    /** Whether the connection's send window is used up: no stream may send DATA. */
    static boolean connectionExhausted(Http2Channel channel) {
        return (long) CONNECTION_WINDOW.getVolatile(channel) <= 0;
    }

    /** Whether {@code stream}'s send window is used up: its DATA waits for the peer. */
    static boolean streamExhausted(Http2StreamSinkChannel stream) {
        return (int) STREAM_WINDOW.getOpaque(stream) <= 0;
    }
}
