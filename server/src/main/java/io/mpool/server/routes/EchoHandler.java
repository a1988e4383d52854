package io.mpool.server.routes;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Transfer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Deque;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.xnio.IoUtils;
import org.xnio.channels.Channels;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/**
 * {@code POST /echo}: the body back byte for byte with the same {@code Content-Type}.
 *
 * <p>The body streams from the request channel to the response channel through one buffer of
 * the connection's pool, so no copy of it lives on the heap and a body of any size needs one
 * buffer. With a {@code Content-Length} the answer has the same length; a chunked request gets a
 * chunked answer. {@code ?mode=blocking} does the same on a worker thread with blocking reads and
 * writes (the dispatched-handler path).
 */
public final class EchoHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(EchoHandler.class.getName());

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String mode = first(exchange.getQueryParameters().get("mode"));
        if (mode != null && !mode.equals("blocking") && !mode.equals("async")) {
            Responses.text(exchange, 400, "mode=" + mode + " (expected: async or blocking)");
            return;
        }
        copyHeaders(exchange);
        if ("blocking".equals(mode)) {
            if (exchange.isInIoThread()) {
                exchange.dispatch(this::echoBlocking);
            } else {
                echoBlocking(exchange);
            }
            return;
        }
        Transfer.initiateTransfer(exchange.getRequestChannel(), exchange.getResponseChannel(),
                null,
                sink -> exchange.endExchange(),
                (channel, e) -> fail(exchange, e),
                (channel, e) -> fail(exchange, e),
                exchange.getConnection().getByteBufferPool());
    }

    private void echoBlocking(HttpServerExchange exchange) throws IOException {
        exchange.startBlocking();
        StreamSourceChannel in = exchange.getRequestChannel();
        StreamSinkChannel out = exchange.getResponseChannel();
        try (PooledByteBuffer pooled = exchange.getConnection().getByteBufferPool().allocate()) {
            ByteBuffer buffer = pooled.getBuffer();
            while (true) {
                buffer.clear();
                if (Channels.readBlocking(in, buffer) == -1) {
                    break;
                }
                buffer.flip();
                Channels.writeBlocking(out, buffer);
            }
            out.shutdownWrites();
            Channels.flushBlocking(out);
        } catch (IOException e) {
            fail(exchange, e);
            return;
        }
        exchange.endExchange();
    }

    private static void copyHeaders(HttpServerExchange exchange) {
        String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        if (contentType != null) {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
        }
        long length = exchange.getRequestContentLength();
        if (length >= 0) {
            exchange.setResponseContentLength(length);
        }
    }

    private static void fail(HttpServerExchange exchange, IOException e) {
        LOG.log(Level.FINE, "echo to " + exchange.getSourceAddress() + " failed", e);
        IoUtils.safeClose(exchange.getConnection());
    }

    static String first(Deque<String> values) {
        return values == null || values.isEmpty() ? null : values.getFirst();
    }
}
