package io.mpool.server.transport;

import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.AbstractServerConnection;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.AbstractAttachable;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.xnio.ChannelListener;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.channels.ConnectedChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Starts Undertow's HTTP/1.1 on an accepted channel with that connection's own buffer pool, without
 * an {@code HttpOpenListener} per connection.
 *
 * <p>Undertow takes a connection's buffer pool from its open listener, so a pool per connection
 * used to mean a listener per connection, and each listener builds what a server needs once: a
 * request parser, a statistics object, a concurrent set of its connections (about 560 bytes of heap
 * per idle connection, and their construction on every accept). This does what
 * {@code HttpOpenListener.handleEvent} does for our settings (no Undertow timeouts, no connector
 * statistics: the watchdog and our own counters do that) with one parser for every connection, as
 * one stock listener has: a {@link HttpServerConnection} over the connection's pool, its read
 * listener, and the first read.
 *
 * <p>The read listener and the parser are package-private in Undertow: they are reached through
 * method handles, looked up once when the class loads, so an Undertow whose internals moved fails
 * at server start ({@link #check()}), not on a connection.
 */
public final class HttpConnections {
    private static final String PACKAGE = "io.undertow.server.protocol.http.";
    private static final MethodHandle NEW_PARSER;
    private static final MethodHandle NEW_READ_LISTENER;
    private static final MethodHandle SET_READ_LISTENER;
    private static final MethodHandle NEW_REQUEST;
    private static final MethodHandle GET_READ_LISTENER;
    /** HttpReadListener.requestState: 0 once no request runs and reads are resumed (its own comment). */
    private static final VarHandle REQUEST_STATE;
    private static final MethodHandle GET_READ_DATA_CONDUIT;
    /** AbstractServerConnection.closeListeners: Undertow's own one, and any a handler added. */
    private static final VarHandle CLOSE_LISTENERS;
    /** AbstractAttachable.attachments: null until a handler attaches something to the connection. */
    private static final VarHandle ATTACHMENTS;
    /** StreamConnection.closeListener: XNIO's setter merges a new listener with the old one, never replaces it. */
    private static final VarHandle CLOSE_LISTENER;
    /** StreamConnection.INVOKED_CLOSE_LISTENER_FLAG: the close listener has run (the channel closed). */
    private static final Object CLOSE_LISTENER_INVOKED;

    static {
        try {
            ClassLoader loader = HttpServerConnection.class.getClassLoader();
            Class<?> parser = Class.forName(PACKAGE + "RequestParser", false, loader);
            Class<?> readListener = Class.forName(PACKAGE + "HttpReadListener", false, loader);
            Class<?> statistics = Class.forName("io.undertow.server.ConnectorStatisticsImpl", false, loader);
            MethodHandles.Lookup undertow = MethodHandles.privateLookupIn(HttpServerConnection.class, MethodHandles.lookup());
            NEW_PARSER = undertow.findStatic(parser, "instance", MethodType.methodType(parser, OptionMap.class))
                    .asType(MethodType.methodType(Object.class, OptionMap.class));
            NEW_READ_LISTENER = undertow.findConstructor(readListener,
                            MethodType.methodType(void.class, HttpServerConnection.class, parser, statistics))
                    .asType(MethodType.methodType(Object.class, HttpServerConnection.class, Object.class, Object.class));
            SET_READ_LISTENER = undertow.findVirtual(HttpServerConnection.class, "setReadListener",
                            MethodType.methodType(void.class, readListener))
                    .asType(MethodType.methodType(void.class, HttpServerConnection.class, Object.class));
            NEW_REQUEST = undertow.findVirtual(readListener, "newRequest", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
            GET_READ_LISTENER = undertow.findVirtual(HttpServerConnection.class, "getReadListener",
                            MethodType.methodType(readListener))
                    .asType(MethodType.methodType(Object.class, HttpServerConnection.class));
            REQUEST_STATE = MethodHandles.privateLookupIn(readListener, MethodHandles.lookup())
                    .findVarHandle(readListener, "requestState", int.class);
            GET_READ_DATA_CONDUIT = undertow.findVirtual(HttpServerConnection.class, "getReadDataStreamSourceConduit",
                            MethodType.methodType(Class.forName("io.undertow.conduits.ReadDataStreamSourceConduit", false,
                                    loader)))
                    .asType(MethodType.methodType(StreamSourceConduit.class, HttpServerConnection.class));
            CLOSE_LISTENERS = MethodHandles.privateLookupIn(AbstractServerConnection.class, MethodHandles.lookup())
                    .findVarHandle(AbstractServerConnection.class, "closeListeners", List.class);
            ATTACHMENTS = MethodHandles.privateLookupIn(AbstractAttachable.class, MethodHandles.lookup())
                    .findVarHandle(AbstractAttachable.class, "attachments", Map.class);
            MethodHandles.Lookup xnio = MethodHandles.privateLookupIn(StreamConnection.class, MethodHandles.lookup());
            CLOSE_LISTENER = xnio.findVarHandle(StreamConnection.class, "closeListener", AtomicReference.class);
            CLOSE_LISTENER_INVOKED = xnio.findStaticVarHandle(StreamConnection.class, "INVOKED_CLOSE_LISTENER_FLAG",
                    ChannelListener.class).get();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException("this Undertow's HTTP/1.1 set-up is not"
                    + " what mpool expects (as in Undertow 2.3.27 to 2.4.4: RequestParser.instance(OptionMap), HttpReadListener("
                    + "HttpServerConnection, RequestParser, ConnectorStatisticsImpl), HttpReadListener.newRequest(), "
                    + "HttpReadListener.requestState, HttpServerConnection.setReadListener(HttpReadListener) and "
                    + "getReadListener(), getReadDataStreamSourceConduit(), AbstractServerConnection.closeListeners, "
                    + "AbstractAttachable.attachments; XNIO 3.8: StreamConnection.closeListener, "
                    + "INVOKED_CLOSE_LISTENER_FLAG): " + e, e));
        }
    }

    private final OptionMap options;
    /** Undertow connections built ({@link #opened()}): shared by the IO threads, hence an adder. */
    private final LongAdder opened = new LongAdder();
    /** Undertow's request parser for these options: shared, as one open listener shares it. */
    private final Object parser;

    /** Set-up for connections served with {@code options} (Undertow's, as an open listener takes them). */
    public HttpConnections(OptionMap options) {
        this.options = options;
        try {
            this.parser = NEW_PARSER.invokeExact(options);
        } catch (Throwable e) {
            throw new IllegalStateException("Undertow's RequestParser.instance failed: " + e, e);
        }
    }

    /** @throws ExceptionInInitializerError (at class load) if Undertow's internals are not what this expects */
    public static void check() {
        if (NEW_REQUEST == null) {
            throw new IllegalStateException("HttpReadListener.newRequest not found");
        }
    }

    /**
     * Serves {@code channel} with {@code root}, its buffers from {@code pool} ({@code bufferSize}
     * each): builds Undertow's connection and read listener and reads the first request, as
     * {@code HttpOpenListener.handleEvent} does. {@code onClose} runs when the channel closes, after
     * Undertow's own close handling (whether this returns or throws): it is the close listener of
     * Undertow's connection, which XNIO already holds, not a second listener XNIO would merge with
     * it (a merged pair is an object of its own on every connection).
     *
     * @param readAlready bytes already read from the channel's source (through whatever conduits
     *                    it has), ready to be read from the buffer's position, or null: none. Undertow's
     *                    read listener parses them before it reads the channel again, as it parses
     *                    bytes read ahead of a pipelined request ({@code extraBytes}), and closes the
     *                    buffer when it is done with them; this closes it if the connection cannot
     *                    be built.
     */
    public void open(StreamConnection channel, ByteBufferPool pool, int bufferSize, HttpHandler root,
                     ChannelListener<? super ConnectedChannel> onClose, PooledByteBuffer readAlready) {
        HttpServerConnection connection;
        try {
            connection = new HttpServerConnection(channel, pool, root, options, bufferSize, null);
        } catch (RuntimeException | Error e) {
            if (readAlready != null) {
                readAlready.close();
            }
            channel.setCloseListener(onClose);
            throw e;
        }
        opened.increment();
        connection.getCloseSetter().set(onClose);
        if (readAlready != null) {
            connection.setExtraBytes(readAlready);
        }
        resume(connection);
    }

    /**
     * How many of Undertow's HTTP/1.1 connections {@link #open} has built: one per accepted
     * connection, and one more each time a parked connection whose Undertow side went has bytes
     * for it (never for its close). Any thread.
     */
    public long opened() {
        return opened.sum();
    }

    /**
     * Makes {@code listener} the close listener of {@code channel} in place of the one it has, which
     * is then no longer reachable from the channel (XNIO's own setter merges the two: both would
     * run, and the old one would stay). False when the channel has closed and its close listener
     * has run (or is running): the old one saw the close. Any thread.
     */
    @SuppressWarnings("unchecked")
    public static boolean replaceCloseListener(StreamConnection channel, ChannelListener<? super StreamConnection> listener) {
        AtomicReference<Object> closeListener = (AtomicReference<Object>) CLOSE_LISTENER.get(channel);
        for (Object was = closeListener.get(); was != CLOSE_LISTENER_INVOKED; was = closeListener.get()) {
            if (closeListener.compareAndSet(was, listener)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parks a keep-alive connection idle between requests, as nginx frees an idle connection's
     * request state: Undertow's read listener goes, and with it its parse state (three string
     * builders and their arrays, about 280 bytes with the listener), and {@code wakeUp} listens for
     * the connection's next bytes instead, which it hands to {@link #resume}. Nothing changes
     * (false) unless the connection is quiet: Undertow's read listener is the channel's, no request
     * runs or is finishing ({@code requestState} 0), nothing was read ahead. On the connection's IO
     * thread, which alone reads it.
     */
    public static boolean park(HttpServerConnection connection, ChannelListener<? super ConduitStreamSourceChannel> wakeUp) {
        ConduitStreamSourceChannel source = connection.getChannel().getSourceChannel();
        try {
            Object reads = GET_READ_LISTENER.invokeExact(connection);
            if (reads == null || source.getReadListener() != reads || (int) REQUEST_STATE.getVolatile(reads) != 0
                    || connection.getExtraBytes() != null || !connection.isOpen()) {
                return false;
            }
            source.setReadListener(wakeUp);
            SET_READ_LISTENER.invokeExact(connection, (Object) null);
            return true;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Lets the Undertow connection of a parked channel ({@link #park}) go whole, not only its read
     * listener: the channel's conduits are what they were before Undertow's (its read-data conduit
     * goes), and {@code closeListener} (the parked connection's) is the channel's close listener in
     * place of Undertow's, which was all that kept it reachable. Undertow's connection, response
     * conduits and close listener (about 350 bytes, TLS session view included) go with it; the
     * next bytes make a new one ({@link #open}), as the first bytes did. Nothing changes (false)
     * unless nothing of it is needed later: no close listener but Undertow's own (which frees a
     * response buffer an idle connection does not hold), no attachment, no pipelining buffer, the
     * channel's conduits Undertow's own between requests, and the channel still open. On the
     * connection's IO thread, after {@link #park}.
     */
    public static boolean release(HttpServerConnection connection, ChannelListener<? super StreamConnection> closeListener) {
        StreamConnection channel = connection.getChannel();
        try {
            StreamSourceConduit reading = channel.getSourceChannel().getConduit();
            Map<?, ?> attachments = (Map<?, ?>) ATTACHMENTS.get(connection);
            if (GET_READ_LISTENER.invokeExact(connection) != null || ((List<?>) CLOSE_LISTENERS.get(connection)).size() != 1
                    || attachments != null && !attachments.isEmpty() || connection.getPipelineBuffer() != null
                    || channel.getSinkChannel().getConduit() != connection.getOriginalSinkConduit()
                    || reading != connection.getOriginalSourceConduit()
                    && reading != (StreamSourceConduit) GET_READ_DATA_CONDUIT.invokeExact(connection)) {
                return false;
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
        if (!replaceCloseListener(channel, closeListener)) {
            return false; // closed: Undertow's close listener has run
        }
        channel.getSourceChannel().setConduit(connection.getOriginalSourceConduit());
        return true;
    }

    /**
     * Gives {@code connection} a new read listener, waiting for a request, and lets it read: at open,
     * and when a parked connection's next bytes come ({@link #park}). On the connection's IO thread.
     */
    @SuppressWarnings("unchecked")
    public void resume(HttpServerConnection connection) {
        Object readListener;
        try {
            readListener = NEW_READ_LISTENER.invokeExact(connection, parser, (Object) null);
            SET_READ_LISTENER.invokeExact(connection, readListener);
            NEW_REQUEST.invokeExact(readListener);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
        ChannelListener<ConduitStreamSourceChannel> reads = (ChannelListener<ConduitStreamSourceChannel>) readListener;
        ConduitStreamSourceChannel source = connection.getChannel().getSourceChannel();
        source.setReadListener(reads);
        reads.handleEvent(source);
    }
}
