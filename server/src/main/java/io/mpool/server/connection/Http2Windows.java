package io.mpool.server.connection;

import io.undertow.protocols.http2.Http2Channel;
import io.undertow.protocols.http2.Http2StreamSinkChannel;
import io.undertow.protocols.http2.Http2StreamSourceChannel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The flow-control windows Undertow's HTTP/2 keeps to itself. The send windows, the connection's
 * ({@code Http2Channel}'s {@code sendWindowSize}) and a stream's ({@code Http2StreamSinkChannel}'s
 * {@code flowControlWindow}): Undertow holds a frame back while either is used up and offers no
 * way to ask; the watchdog needs to know whether a connection's writes wait for the peer's
 * WINDOW_UPDATE (a stall the socket never sees). Read racily: a look, not a decision under a
 * lock. And a stream's receive window ({@code Http2StreamSourceChannel}'s
 * {@code flowControlWindow}), which {@link StreamPreread} holds open so that it, not Undertow,
 * sends the stream's WINDOW_UPDATE.
 */
final class Http2Windows {
    private static final VarHandle CONNECTION_WINDOW;
    private static final VarHandle STREAM_WINDOW;
    private static final VarHandle STREAM_RECEIVE_WINDOW;
    /**
     * What Undertow is told of a prereading stream's receive window: it sends a WINDOW_UPDATE when
     * the window falls below half its initial size, which from here takes a gigabyte read.
     */
    static final int HELD_OPEN = Integer.MAX_VALUE / 2;

    static {
        try {
            CONNECTION_WINDOW = MethodHandles.privateLookupIn(Http2Channel.class, MethodHandles.lookup())
                    .findVarHandle(Http2Channel.class, "sendWindowSize", long.class);
            STREAM_WINDOW = MethodHandles.privateLookupIn(Http2StreamSinkChannel.class, MethodHandles.lookup())
                    .findVarHandle(Http2StreamSinkChannel.class, "flowControlWindow", int.class);
            STREAM_RECEIVE_WINDOW = MethodHandles.privateLookupIn(Http2StreamSourceChannel.class,
                    MethodHandles.lookup()).findVarHandle(Http2StreamSourceChannel.class, "flowControlWindow", int.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException("this Undertow's HTTP/2 is not what mpool"
                    + " expects (Undertow 2.3: Http2Channel.sendWindowSize, Http2StreamSinkChannel.flowControlWindow,"
                    + " Http2StreamSourceChannel.flowControlWindow): "
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

    /**
     * What Undertow counts as left of {@code stream}'s receive window: the initial window, or
     * {@link #HELD_OPEN} once held open, less what it has counted since: the bytes read and each
     * padded DATA frame's padding and pad length byte, which it counts as the frame's header is
     * handled ({@code Http2StreamSourceChannel.handleHeaderData}) and never delivers.
     */
    static int receiveWindow(Http2StreamSourceChannel stream) {
        return (int) STREAM_RECEIVE_WINDOW.getOpaque(stream);
    }

    /** Undertow will send no WINDOW_UPDATE for {@code stream}: its reader sends them (on the stream's IO thread or reader). */
    static void holdReceiveWindowOpen(Http2StreamSourceChannel stream) {
        STREAM_RECEIVE_WINDOW.setOpaque(stream, HELD_OPEN);
    }
}
