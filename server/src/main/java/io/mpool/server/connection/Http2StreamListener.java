package io.mpool.server.connection;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.server.stats.ServerStats;
import io.mpool.server.transport.Http2GoAwayWriter;
import io.mpool.server.transport.StreamCounts;
import io.undertow.UndertowOptions;
import io.undertow.conduits.HeadStreamSinkConduit;
import io.undertow.protocols.http2.AbstractHttp2StreamSourceChannel;
import io.undertow.protocols.http2.Http2Channel;
import io.undertow.protocols.http2.Http2HeadersStreamSinkChannel;
import io.undertow.protocols.http2.Http2StreamSourceChannel;
import io.undertow.server.Connectors;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.SSLSessionInfo;
import io.undertow.server.protocol.http2.Http2ServerConnection;
import io.undertow.util.BadRequestException;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.ParameterLimitException;
import io.undertow.util.Protocols;
import io.undertow.util.StatusCodes;
import io.undertow.util.URLUtils;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.channels.Channels;

/**
 * The receive listener of one HTTP/2 connection, in place of Undertow's
 * {@code Http2ReceiveListener}: it does what that does with each stream's request (checks its
 * pseudo-headers, makes the exchange, runs the handler), and in addition
 * <ul>
 *   <li>gives every stream a region of its own ({@link StreamRegion}): the exchange's connection
 *   is a {@link Http2ServerConnection} whose {@code getByteBufferPool()} is that region, so the
 *   buffers Undertow takes for the exchange, {@code RequestRegion} and {@code RequestBody} come
 *   from it; the region is destroyed when the exchange completes (its frames written) and nothing
 *   of it is out. Undertow's own listener hands every stream the connection's pool;</li>
 *   <li>refuses streams past the concurrent-stream limit with RST_STREAM REFUSED_STREAM (Undertow
 *   advertises SETTINGS_MAX_CONCURRENT_STREAMS but does not enforce it), and streams whose region
 *   cannot get memory;</li>
 *   <li>counts each stream as a request (totals, in-flight) without the HTTP/1.1 request scope: an
 *   HTTP/2 connection is never reset per request, its streams' regions are destroyed instead.</li>
 * </ul>
 * The {@code Upgrade: h2c} dance is not offered (clients use prior knowledge or TLS).
 */
final class Http2StreamListener implements ChannelListener<Http2Channel>, StreamCounts, ExchangeCompletionListener {
    private static final Logger LOG = Logger.getLogger(Http2StreamListener.class.getName());
    /** Undertow's TLS session view of an HTTP/2 connection: its constructor is package-private. */
    private static final MethodHandle NEW_SSL_SESSION_INFO;

    static {
        try {
            Class<?> info = Class.forName("io.undertow.server.protocol.http2.Http2SslSessionInfo", false,
                    Http2ServerConnection.class.getClassLoader());
            NEW_SSL_SESSION_INFO = MethodHandles.privateLookupIn(Http2ServerConnection.class, MethodHandles.lookup())
                    .findConstructor(info, MethodType.methodType(void.class, Http2Channel.class))
                    .asType(MethodType.methodType(SSLSessionInfo.class, Http2Channel.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException("this Undertow's HTTP/2 is not what mpool"
                    + " expects (as in Undertow 2.3.27 to 2.4.4: Http2SslSessionInfo(Http2Channel)): " + e, e));
        }
    }

    /** @throws ExceptionInInitializerError (at class load) if Undertow's HTTP/2 is not what this expects */
    static void check() {
        if (NEW_SSL_SESSION_INFO == null) {
            throw new IllegalStateException("Http2SslSessionInfo(Http2Channel) not found");
        }
    }

    private final HttpHandler root;
    private final OptionMap options;
    private final int bufferSize;
    /** The streams' regions, or null with {@code --pool undertow} (the connection's pool for all). */
    private final Http2Streams streams;
    private final int maxConcurrentStreams;
    private final ServerStats stats;
    private final long maxEntitySize;
    private final String urlCharset;
    private final boolean decode;
    private final boolean slashDecoding;
    private final int maxParameters;
    private final boolean allowUnescapedCharacters;
    /** Undertow's path decoding scratch: one per connection, used on its IO thread only. */
    private final StringBuilder decodeBuffer = new StringBuilder();
    /** Streams between request and exchange completion (the concurrent-stream limit counts these). */
    private final AtomicInteger running = new AtomicInteger();
    private volatile long opened;
    /** Set by a graceful stop: new streams are refused, GOAWAY goes once none runs (IO thread). */
    private volatile boolean goingAway;
    /**
     * The streams whose exchange runs now, newest first, for the connection's close and the
     * watchdog's look at the send windows: each stream's connection is its entry (guarded by
     * {@link #runningLock}).
     */
    private Http2StreamConnection newestRunning;
    private final Object runningLock = new Object();
    private final Http2Channel channel;
    /** Writes the stop's first GOAWAY between Undertow's frames, without closing. */
    private final Http2GoAwayWriter goAwayWriter;
    private final HttpHandler refusing = this::handleRefusing;
    /** The highest stream id taken (IO thread): what the stop's GOAWAY names. */
    private int lastStreamId;

    Http2StreamListener(Http2Channel channel, Http2GoAwayWriter goAwayWriter, HttpHandler root, OptionMap options, int bufferSize,
                        Http2Streams streams, int maxConcurrentStreams, ServerStats stats) {
        this.channel = channel;
        this.goAwayWriter = goAwayWriter;
        this.root = root;
        this.options = options;
        this.bufferSize = bufferSize;
        this.streams = streams;
        this.maxConcurrentStreams = maxConcurrentStreams;
        this.stats = stats;
        this.maxEntitySize = options.get(UndertowOptions.MAX_ENTITY_SIZE, UndertowOptions.DEFAULT_MAX_ENTITY_SIZE);
        this.decode = options.get(UndertowOptions.DECODE_URL, true);
        this.urlCharset = decode ? options.get(UndertowOptions.URL_CHARSET, StandardCharsets.UTF_8.name()) : null;
        this.slashDecoding = URLUtils.getSlashDecodingFlag(options);
        this.maxParameters = options.get(UndertowOptions.MAX_PARAMETERS, UndertowOptions.DEFAULT_MAX_PARAMETERS);
        this.allowUnescapedCharacters = options.get(UndertowOptions.ALLOW_UNESCAPED_CHARACTERS_IN_URL, false);
    }

    /** Streams whose exchange runs now. */
    @Override
    public int running() {
        return running.get();
    }

    /** Streams whose request came so far (refused ones included). */
    @Override
    public long opened() {
        return opened;
    }

    /**
     * Graceful stop (RFC 9113, 6.8): GOAWAY NO_ERROR naming the last stream taken goes out at once,
     * between Undertow's frames ({@link Http2GoAwayWriter}), the running streams finish, streams the
     * client opens meanwhile are refused, and once none runs Undertow's own GOAWAY (the same last
     * stream id or lower) closes the connection. Undertow's GOAWAY alone closes the write side as
     * soon as it is written, which would cut the running streams' answers.
     */
    @Override
    public void goAway() {
        channel.getIoThread().execute(() -> {
            if (goingAway) {
                return;
            }
            goingAway = true;
            if (running.get() > 0) {
                try {
                    goAwayWriter.goAway(lastStreamId, Http2Channel.ERROR_NO_ERROR);
                } catch (IOException e) {
                    LOG.log(Level.FINE, "the stop's GOAWAY could not be written", e);
                    IoUtils.safeClose(channel);
                    return;
                }
            }
            goAwayIfIdle();
        });
    }

    /** On the IO thread: GOAWAY NO_ERROR once a stop has begun and no stream runs. */
    private void goAwayIfIdle() {
        if (goingAway && running.get() == 0) {
            channel.sendGoAway(Http2Channel.ERROR_NO_ERROR);
        }
    }

    /**
     * Whether a running stream's response waits for the peer's WINDOW_UPDATE: the connection's
     * send window or the stream's is used up (a peer that never opens its window stalls the
     * response with the socket idle, which the write timeout's stamp never sees).
     */
    @Override
    public boolean waitingForWindow() {
        if (running.get() == 0) {
            return false;
        }
        if (Http2Windows.connectionExhausted(channel)) {
            return true;
        }
        synchronized (runningLock) {
            for (Http2StreamConnection stream = newestRunning; stream != null; stream = stream.older) {
                if (Http2Windows.streamExhausted(stream.response())) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void handleEvent(Http2Channel channel) {
        try {
            AbstractHttp2StreamSourceChannel frame = channel.receive();
            if (frame instanceof Http2StreamSourceChannel request) {
                handleRequest(channel, request);
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "HTTP/2 read failed", e);
            IoUtils.safeClose(channel);
        } catch (RuntimeException | Error e) {
            LOG.log(Level.WARNING, "HTTP/2 stream handling failed", e);
            IoUtils.safeClose(channel);
        }
    }

    private void handleRequest(Http2Channel channel, Http2StreamSourceChannel request) {
        opened++;
        int streamId = request.getStreamId();
        if (!goingAway) {
            lastStreamId = Math.max(lastStreamId, streamId);
        }
        if (running.get() >= maxConcurrentStreams || goingAway) {
            refuse(channel, request, streamId);
            return;
        }
        StreamRegion region;
        try {
            region = streams == null ? null : streams.open(streamId);
        } catch (ArenaExhaustedException | IllegalStateException e) { // the arena, the cap (a subclass), closing
            refuse(channel, request, streamId);
            return;
        }
        stats.h2StreamOpened();
        try {
            serve(channel, request, region);
        } catch (RuntimeException | Error e) {
            endRegion(region); // the exchange never started: nothing else ends it
            throw e;
        }
    }

    private void serve(Http2Channel channel, Http2StreamSourceChannel request, StreamRegion region) {
        int streamId = request.getStreamId();
        HeaderMap headers = request.getHeaders();
        if (!Http2RequestChecks.validPseudoHeaders(headers, allowUnescapedCharacters)) {
            channel.sendRstStream(streamId, Http2Channel.ERROR_PROTOCOL_ERROR);
            drain(request);
            endRegion(region);
            return;
        }
        Http2StreamConnection connection = new Http2StreamConnection(channel, request, options, bufferSize, root, region);
        HttpServerExchange exchange = new HttpServerExchange(connection, headers,
                request.getResponseChannel().getHeaders(), maxEntitySize);
        connection.exchange = exchange;
        String path = headers.getFirst(Http2Channel.PATH);
        if (!Connectors.areRequestHeadersValid(headers) || path == null || path.isEmpty()) {
            channel.sendGoAway(Http2Channel.ERROR_PROTOCOL_ERROR); // what Undertow's listener does
            endRegion(region);
            return;
        }
        exchange.addExchangeCompleteListener(this); // first added, so it runs last; from here on it ends the region
        running.incrementAndGet();
        stats.requestEntered();
        if (region == null) {
            stats.requestStarted(); // a region's stream is counted by its connection
        }
        running(connection);
        request.setTrailersHandler(connection);
        request.setMaxStreamSize(maxEntitySize);
        exchange.setRequestScheme(headers.getFirst(Http2Channel.SCHEME));
        exchange.setRequestMethod(Methods.fromString(headers.getFirst(Http2Channel.METHOD)));
        headers.put(Headers.HOST, headers.getFirst(Http2Channel.AUTHORITY));
        setUpResponse(request.getResponseChannel(), exchange, connection);
        if (!request.isOpen()) {
            Connectors.terminateRequest(exchange);
        } else if (connection.hasRegion()) {
            connection.preread(channel, request, () -> Connectors.terminateRequest(exchange)); // ended as it is read
        } else {
            request.setCompletionListener(c -> Connectors.terminateRequest(exchange));
        }
        try {
            Connectors.setExchangeRequestPath(exchange, path, urlCharset, decode, slashDecoding, decodeBuffer,
                    maxParameters);
        } catch (ParameterLimitException | BadRequestException e) {
            exchange.setStatusCode(StatusCodes.BAD_REQUEST);
            exchange.endExchange();
            return;
        }
        headers.remove(Http2Channel.AUTHORITY);
        headers.remove(Http2Channel.PATH);
        headers.remove(Http2Channel.SCHEME);
        headers.remove(Http2Channel.METHOD);
        Connectors.executeRootHandler(refusing, exchange);
    }

    /**
     * The application, with a stream whose memory the connection's cap or the arena refused
     * answered 503 (its response not started yet; else the stream is reset), as on HTTP/1.1.
     */
    private void handleRefusing(HttpServerExchange exchange) throws Exception {
        try {
            root.handleRequest(exchange);
        } catch (ArenaExhaustedException | ConnectionCapExceededException refused) {
            if (exchange.isResponseStarted()) {
                IoUtils.safeClose(exchange.getConnection()); // resets the stream, not the connection
            } else {
                exchange.getResponseHeaders().clear();
                exchange.setStatusCode(StatusCodes.SERVICE_UNAVAILABLE);
                exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
                exchange.endExchange();
            }
        }
    }

    private void setUpResponse(Http2HeadersStreamSinkChannel sink, HttpServerExchange exchange,
                               Http2StreamConnection connection) {
        Http2Channel channel = sink.getChannel();
        if (channel.getSslSession() != null) {
            connection.setSslSessionInfo(sslSessionInfo(channel));
        }
        sink.setTrailersProducer(connection);
        sink.setCompletionListener(connection);
        exchange.setProtocol(Protocols.HTTP_2_0);
        if (exchange.getRequestMethod().equals(Methods.HEAD)) {
            exchange.addResponseWrapper((factory, ex) -> new HeadStreamSinkConduit(factory.create(), null, true));
        }
    }

    private static SSLSessionInfo sslSessionInfo(Http2Channel channel) {
        try {
            return (SSLSessionInfo) NEW_SSL_SESSION_INFO.invokeExact(channel);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** A stream's exchange has completed (this listener is each exchange's first completion listener: it runs last). */
    @Override
    public void exchangeEvent(HttpServerExchange exchange, ExchangeCompletionListener.NextListener next) {
        if (running.decrementAndGet() == 0 && goingAway) {
            channel.getIoThread().execute(this::goAwayIfIdle); // after this exchange's last frames
        }
        stats.requestCompleted();
        try {
            if (exchange.getConnection() instanceof Http2StreamConnection stream) {
                ended(stream);
                stream.exchangeEnded();
            }
        } finally {
            next.proceed();
        }
    }

    /**
     * The connection's channel closed (on its IO thread). Undertow marks each open stream broken
     * but wakes only readers that asked to be; an exchange waiting for anything else never
     * completes, and its region would never be destroyed. Each non-blocking exchange (one that
     * waits for IO-thread events, so nothing touches its memory while this runs on the IO thread)
     * is ended now: Undertow's end of an exchange on a broken stream fails and completes it. A
     * blocking one is left to its worker thread, whose read or write on the broken stream fails
     * and whose handler's return ends it. Then the streams' regions: those of ended streams whose
     * buffers Undertow will never close are destroyed ({@link Http2Streams#connectionClosed}).
     */
    void connectionClosed() {
        try {
            endExchangesOfClosedConnection();
        } finally {
            if (streams != null) {
                streams.connectionClosed(); // ended streams' regions whose buffers will never come back
            }
        }
    }

    private void endExchangesOfClosedConnection() {
        List<HttpServerExchange> open = new ArrayList<>();
        synchronized (runningLock) {
            for (Http2StreamConnection stream = newestRunning; stream != null; stream = stream.older) {
                open.add(stream.exchange);
            }
        }
        for (HttpServerExchange exchange : open) {
            if (exchange.getConnection() instanceof Http2StreamConnection stream) {
                stream.connectionClosed(); // a reader waiting for its body's copy learns it will not come
            }
            if (!exchange.isBlocking() && !exchange.isComplete()) {
                try {
                    exchange.endExchange();
                } catch (RuntimeException e) {
                    LOG.log(Level.FINE, "ending an exchange of a closed HTTP/2 connection failed", e);
                }
            }
        }
    }

    /** {@code stream}'s exchange runs from now on: first in the running list. */
    private void running(Http2StreamConnection stream) {
        synchronized (runningLock) {
            stream.older = newestRunning;
            if (newestRunning != null) {
                newestRunning.newer = stream;
            }
            newestRunning = stream;
            stream.listed = true;
        }
    }

    /** {@code stream}'s exchange has completed: out of the running list. */
    private void ended(Http2StreamConnection stream) {
        synchronized (runningLock) {
            if (!stream.listed) {
                return;
            }
            stream.listed = false;
            if (stream.newer != null) {
                stream.newer.older = stream.older;
            } else {
                newestRunning = stream.older;
            }
            if (stream.older != null) {
                stream.older.newer = stream.newer;
            }
            stream.newer = null;
            stream.older = null;
        }
    }

    private void refuse(Http2Channel channel, Http2StreamSourceChannel request, int streamId) {
        stats.h2StreamRefused();
        channel.sendRstStream(streamId, Http2Channel.ERROR_REFUSED_STREAM);
        drain(request);
    }

    private static void drain(Http2StreamSourceChannel request) {
        try {
            Channels.drain(request, Long.MAX_VALUE);
        } catch (IOException e) {
            // expected after the RST_STREAM
        }
    }

    private static void endRegion(StreamRegion region) {
        if (region != null) {
            region.exchangeEnded();
        }
    }

}
