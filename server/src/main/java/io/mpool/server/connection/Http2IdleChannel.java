package io.mpool.server.connection;

import io.undertow.protocols.http2.Http2Channel;
import io.undertow.server.protocol.framed.AbstractFramedChannel;
import io.undertow.util.ReferenceCountedPooled;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What an idle HTTP/2 channel of Undertow's keeps that an idle connection need not: its last read
 * buffer's handle ({@code AbstractFramedChannel.readData}). Undertow keeps it after the buffer went
 * back to the pool, to take the buffer again for the next read; ours went back to the arena block
 * by block, and the stale handle would keep the connection tier's objects reachable (the handle,
 * its block, the connection's blocks and pool objects: about half a kilobyte a connection) for as
 * long as the connection stays idle. Dropped, the next read takes a buffer as the first one did.
 */
final class Http2IdleChannel {
    private static final VarHandle READ_DATA;

    static {
        try {
            READ_DATA = MethodHandles.privateLookupIn(AbstractFramedChannel.class, MethodHandles.lookup())
                    .findVarHandle(AbstractFramedChannel.class, "readData", ReferenceCountedPooled.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException("this Undertow's HTTP/2 is not what mpool"
                    + " expects (Undertow 2.3: AbstractFramedChannel.readData): " + e, e));
        }
    }

    private Http2IdleChannel() {
    }

    /**
     * Forgets {@code channel}'s read buffer handle if its buffer has gone back (on the channel's IO
     * thread, under the channel's lock, which Undertow's {@code receive()} holds while it reads).
     */
    static void dropFreedReadBuffer(Http2Channel channel) {
        synchronized (channel) {
            ReferenceCountedPooled readData = (ReferenceCountedPooled) READ_DATA.getVolatile(channel);
            if (readData != null && readData.isFreed()) {
                READ_DATA.setVolatile(channel, null);
            }
        }
    }
}
