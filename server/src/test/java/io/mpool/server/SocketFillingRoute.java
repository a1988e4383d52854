package io.mpool.server;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.xnio.channels.StreamSinkChannel;

/**
 * {@code GET /test/fill-socket}: a chunked answer written, without blocking, until the socket is
 * full, ended so that its last bytes stay in the buffer Undertow keeps for pipelined responses.
 * The exchange completes with the socket full and a response held back: the state in which a
 * refusal of the next pipelined request must wait for the held response to go out first.
 *
 * <p>How it gets there: Undertow's pipelining buffer (one pool buffer) copies a write that fits
 * and writes straight through one that does not. Each round writes 1 byte (copied) and then a
 * piece just too big for what is left, so the buffer and the piece go to the socket together.
 * When the socket fills partway through a piece, the rest of it (and, after it, the last chunk)
 * fits in a fresh buffer: copied, not written. {@link #filled} tells how it ended.
 */
final class SocketFillingRoute implements UnaryOperator<HttpHandler> {
    static final String PATH = "/test/fill-socket";
    /** "1\r\n" + 1 byte + "\r\n": the small write of each round. */
    private static final int SMALL_CHUNK_BYTES = 6;
    /** The chunk header of a piece ("3ffb\r\n") and the CRLF after it. */
    private static final int PIECE_OVERHEAD = 8;

    /** Completed with the body bytes written once the socket filled; failed if the fill did not end that way. */
    final CompletableFuture<Long> filled = new CompletableFuture<>();

    @Override
    public HttpHandler apply(HttpHandler next) {
        return exchange -> {
            if (exchange.getRequestPath().equals(PATH)) {
                fill(exchange);
            } else {
                next.handleRequest(exchange);
            }
        };
    }

    private void fill(HttpServerExchange exchange) throws IOException {
        int bufferSize = exchange.getConnection().getByteBufferPool().getBufferSize();
        // Just too big for the buffer once the small chunk is in it: written with it, straight through.
        int piece = bufferSize - SMALL_CHUNK_BYTES - PIECE_OVERHEAD + 1;
        StreamSinkChannel channel = exchange.getResponseChannel();
        long body = 0;
        while (true) {
            ByteBuffer small = ByteBuffer.wrap(new byte[] {'s'});
            if (!writeAll(channel, small)) {
                break;
            }
            body += 1;
            byte[] bytes = new byte[piece];
            Arrays.fill(bytes, (byte) 'f');
            ByteBuffer big = ByteBuffer.wrap(bytes);
            channel.write(big);
            if (big.hasRemaining()) {
                // The socket is full: the rest of the piece goes into a fresh buffer, then the last chunk.
                if (writeAll(channel, big)) {
                    body += piece;
                    channel.shutdownWrites();
                    if (channel.flush()) {
                        exchange.endExchange();
                        filled.complete(body);
                        return;
                    }
                }
                break;
            }
            body += piece;
        }
        filled.completeExceptionally(new IllegalStateException("the socket filled before the held-back tail was"
                + " copied (" + body + " body bytes written); rerun"));
        exchange.getConnection().close();
    }

    /** One more write of what is left: true if it all went (into the socket or the buffer). */
    private static boolean writeAll(StreamSinkChannel channel, ByteBuffer bytes) throws IOException {
        channel.write(bytes);
        if (bytes.hasRemaining()) {
            channel.write(bytes); // a chunk header cut short by the socket: the rest of it is now copied
        }
        return !bytes.hasRemaining();
    }
}
