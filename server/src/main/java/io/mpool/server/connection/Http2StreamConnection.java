package io.mpool.server.connection;

import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.http2.Http2Channel;
import io.undertow.protocols.http2.Http2DataStreamSinkChannel;
import io.undertow.protocols.http2.Http2StreamSinkChannel;
import io.undertow.protocols.http2.Http2StreamSourceChannel;
import io.undertow.server.Connectors;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpAttachments;
import io.undertow.server.protocol.http2.Http2ServerConnection;
import io.undertow.util.HeaderMap;
import java.util.function.Supplier;
import org.xnio.ChannelListener;
import org.xnio.OptionMap;
import org.xnio.conduits.ReadReadyHandler;

/**
 * A stream's connection as its exchange sees it: Undertow's {@link Http2ServerConnection}, with
 * the stream's region as its buffer pool (what Undertow's response path, {@code RequestRegion} and
 * {@code RequestBody} take) and the request body read from its copy in that region
 * ({@link StreamPreread}). Its end is the stream's: the copy stops, then the region goes once
 * nothing of it is out. With {@code --pool undertow} it has no region: the connection's pool
 * serves the stream, as in Undertow's own listener.
 *
 * <p>It is also the stream's entry in its listener's list of running streams (the links below,
 * guarded by that listener's lock): a stream costs the list no allocation and no hash. And it is
 * what Undertow calls back for the stream's exchange (the request's trailers, the response's
 * trailers and its end), in place of a lambda each per stream.
 */
final class Http2StreamConnection extends Http2ServerConnection implements Http2StreamSourceChannel.TrailersHandler,
        Http2DataStreamSinkChannel.TrailersProducer, ChannelListener<Http2DataStreamSinkChannel> {
    /** The stream's region, or null: the connection's pool ({@code --pool undertow}). */
    private final StreamRegion region;
    /** The response's stream: the watchdog looks at its send window. */
    private final Http2StreamSinkChannel response;
    /** The request body's copy in the region, or null: no body. */
    private StreamPreread preread;
    /** The exchange, once it runs (set before the stream joins the running list). */
    HttpServerExchange exchange;
    /** Neighbours in the listener's list of running streams; {@link #listed} while in it. */
    Http2StreamConnection newer;
    Http2StreamConnection older;
    boolean listed;

    Http2StreamConnection(Http2Channel channel, Http2StreamSourceChannel request, OptionMap options, int bufferSize,
                          HttpHandler root, StreamRegion region) {
        super(channel, request, options, bufferSize, root);
        this.region = region;
        this.response = request.getResponseChannel();
    }

    @Override
    public ByteBufferPool getByteBufferPool() {
        return region != null ? region : super.getByteBufferPool();
    }

    /** The request's trailers have come: the exchange's attachment. */
    @Override
    public void handleTrailers(HeaderMap trailers) {
        exchange.putAttachment(HttpAttachments.REQUEST_TRAILERS, trailers);
    }

    /** The response's trailers, as the handler attached them (a supplier first). */
    @Override
    public HeaderMap getTrailers() {
        Supplier<HeaderMap> supplier = exchange.getAttachment(HttpAttachments.RESPONSE_TRAILER_SUPPLIER);
        return supplier != null ? supplier.get() : exchange.getAttachment(HttpAttachments.RESPONSE_TRAILERS);
    }

    /** The response's stream has completed: so has the exchange's response. */
    @Override
    public void handleEvent(Http2DataStreamSinkChannel response) {
        Connectors.terminateResponse(exchange);
    }

    /** Whether the stream has a region of its own (else the connection's pool serves it). */
    boolean hasRegion() {
        return region != null;
    }

    Http2StreamSinkChannel response() {
        return response;
    }

    /** The exchange reads its body from a copy in the stream's region; {@code onEnd} runs when it has read its end. */
    void preread(Http2Channel channel, Http2StreamSourceChannel request, Runnable onEnd) {
        preread = new StreamPreread(request, channel, region, onEnd);
        region.preread(preread);
        getSourceChannel().setConduit(preread);
        // What the channel's constructor does for its first conduit: read-ready events reach its listener.
        preread.setReadReadyHandler(new ReadReadyHandler.ChannelListenerHandler<>(getSourceChannel()));
        preread.start();
    }

    /** The connection's channel closed: a reader waiting for the body's copy learns it will not come. */
    void connectionClosed() {
        if (preread != null) {
            preread.connectionClosed();
        }
    }

    /** The exchange has completed: the copy stops, then the region goes once nothing of it is out. */
    void exchangeEnded() {
        if (preread != null) {
            preread.close();
        }
        if (region != null) {
            region.exchangeEnded();
        }
    }
}
