package io.mpool.server.demo;

import io.mpool.server.BlockingRequests;
import io.mpool.server.BodyView;
import io.mpool.server.RequestBody;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.io.IoCallback;
import io.undertow.server.Connectors;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Deque;
import org.xnio.channels.Channels;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/**
 * {@code POST /echo}: the body back byte for byte with the same {@code Content-Type}.
 *
 * <p>The body streams from the request channel to the response channel through one buffer of
 * the connection's pool ({@link EchoTransfer}), so no copy of it lives on the heap and a body of
 * any size needs one buffer. With a {@code Content-Length} the answer has the same length; a
 * chunked request gets a chunked answer. {@code ?mode=blocking} does the same on a worker thread with blocking reads and
 * writes (the dispatched-handler path). {@code ?mode=full} reads the whole body first
 * ({@link RequestBody}: pool blocks, or a temp file past {@code --body-in-memory-max}) and then
 * answers it, the way a handler that needs the whole body works.
 */
final class EchoHandler implements HttpHandler {

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String mode = first(exchange.getQueryParameters().get("mode"));
        if (mode != null && !mode.equals("blocking") && !mode.equals("async") && !mode.equals("full")) {
            Responses.text(exchange, 400, "mode=" + mode + " (expected: async, blocking or full)");
            return;
        }
        if ("full".equals(mode)) {
            RequestBody.read(exchange, EchoHandler::echoFull);
            return;
        }
        if ("blocking".equals(mode)) {
            // Blocking echoes park a worker on the body: the server's cap on them.
            if (!BlockingRequests.tryStart(exchange)) {
                Connectors.terminateRequest(exchange); // do not drain (or wait for) the body
                exchange.setPersistent(false); // and never parse it as a request
                Responses.text(exchange, 503, "too many blocking requests running; retry later");
                return;
            }
            copyHeaders(exchange);
            if (exchange.isInIoThread()) {
                exchange.dispatch(this::echoBlocking);
            } else {
                echoBlocking(exchange);
            }
            return;
        }
        copyHeaders(exchange);
        EchoTransfer.start(exchange);
    }

    private void echoBlocking(HttpServerExchange exchange) throws IOException {
        exchange.startBlocking();
        StreamSourceChannel in = exchange.getRequestChannel();
        StreamSinkChannel out = null; // taken at the first write: taking it commits the response
        try (PooledByteBuffer pooled = exchange.getConnection().getByteBufferPool().allocate()) {
            ByteBuffer buffer = pooled.getBuffer();
            boolean endOfBody = false;
            while (!endOfBody) {
                // Fill the whole buffer before each write: fewer, larger writes. (The non-blocking
                // path fills only its first buffer whole, then writes whatever arrives.)
                buffer.clear();
                while (buffer.hasRemaining()) {
                    if (Channels.readBlocking(in, buffer) == -1) {
                        endOfBody = true;
                        break;
                    }
                }
                buffer.flip();
                if (!buffer.hasRemaining()) {
                    break;
                }
                if (out == null) {
                    out = exchange.getResponseChannel();
                }
                Channels.writeBlocking(out, buffer);
            }
            if (out != null) {
                out.shutdownWrites();
                Channels.flushBlocking(out);
            }
        } catch (IOException e) {
            Responses.bodyFailed(exchange, e, "blocking echo");
            return;
        }
        exchange.endExchange();
    }

    /** The whole body, read first: from its pool blocks in one gathering write, or from its temp file. */
    private static void echoFull(HttpServerExchange exchange, BodyView body) throws IOException {
        String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        if (contentType != null) {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
        }
        exchange.setResponseContentLength(body.size());
        if (body.size() == 0) {
            exchange.endExchange();
        } else if (body.inMemory()) {
            exchange.getResponseSender().send(body.asByteBuffers());
        } else {
            exchange.getResponseSender().transferFrom(body.fileChannel(), IoCallback.END_EXCHANGE);
        }
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

    static String first(Deque<String> values) {
        return values == null || values.isEmpty() ? null : values.getFirst();
    }
}
