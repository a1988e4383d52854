package io.mpool.server.transport;

import io.undertow.connector.PooledByteBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.xnio.conduits.StreamSinkConduit;

/**
 * Closes the buffer Undertow abandons when a connection starts batching pipelined responses.
 *
 * <p>Undertow's {@code HttpResponseConduit} (package-private, hence reached by name) keeps its buffer after a response while the client has
 * pipelined another request ({@code bufferDone}: "if we are pipelining we hold onto the buffer").
 * When the next request is the first to batch its response ({@code BUFFER_PIPELINED_DATA}), the
 * connection replaces that conduit with a new one ({@code HttpServerConnection.setPipelineBuffer})
 * and nothing closes the old conduit's buffer: it would stay out until the connection closes, one
 * full-size buffer per pipelining connection (Undertow 2.3.27 and 2.4.4 alike). The old conduit is unreachable from
 * then on, so its buffer is closed here, when the request after the switch starts.
 *
 * <p>Reads Undertow's private field {@code pooledBuffer}; the server checks at start that it is
 * there ({@link #check()}), so an Undertow without it fails loudly instead of leaking quietly.
 */
public final class AbandonedResponseBuffer {
    private static final String CONDUIT_CLASS = "io.undertow.server.protocol.http.HttpResponseConduit";
    private static final VarHandle POOLED_BUFFER = find();

    private AbandonedResponseBuffer() {
    }

    private static VarHandle find() {
        try {
            Class<?> conduit = Class.forName(CONDUIT_CLASS, false, PooledByteBuffer.class.getClassLoader());
            return MethodHandles.privateLookupIn(conduit, MethodHandles.lookup())
                    .findVarHandle(conduit, "pooledBuffer", PooledByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this Undertow's HttpResponseConduit has no field pooledBuffer (expected:"
                    + " as in Undertow 2.3.27 to 2.4.4); pipelined connections would hold an abandoned buffer each until they close", e);
        }
    }

    /** @throws IllegalStateException (at class load) if Undertow's conduit is not what this expects */
    public static void check() {
        if (POOLED_BUFFER == null) {
            throw new IllegalStateException("HttpResponseConduit.pooledBuffer not found");
        }
    }

    /** Closes the buffer {@code replaced} still holds; it must be a conduit its connection no longer uses. */
    static void close(StreamSinkConduit replaced) {
        PooledByteBuffer held = (PooledByteBuffer) POOLED_BUFFER.getAndSet(replaced, (PooledByteBuffer) null);
        if (held != null) {
            held.close();
        }
    }
}
