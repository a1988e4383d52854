package io.mpool.server.demo;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/**
 * Pumps a request body into the response through one buffer of the connection's pool, without
 * blocking. The first buffer is filled completely (or to the end of the body) before anything is
 * written, so a body whose framing breaks within its first buffer still gets a clean 400 instead
 * of a truncated 200; after that, whatever arrives is written as soon as it arrives.
 */
final class EchoTransfer {
    private final HttpServerExchange exchange;
    private final StreamSourceChannel source;
    /** Taken at the first write: taking it commits the response (no 400 possible after). */
    private StreamSinkChannel sink;
    private final PooledByteBuffer pooled;
    private final ByteBuffer buffer;
    private boolean filling = true;
    private boolean endOfBody;
    private boolean responseStarted;
    private boolean done;

    private EchoTransfer(HttpServerExchange exchange) {
        this.exchange = exchange;
        this.source = exchange.getRequestChannel();
        this.pooled = ExchangeBuffer.allocate(exchange); // also covers a connection that dies mid-transfer
        this.buffer = pooled.getBuffer();
        buffer.clear();
    }

    static void start(HttpServerExchange exchange) {
        EchoTransfer transfer = new EchoTransfer(exchange);
        transfer.source.getReadSetter().set(channel -> transfer.pump());
        transfer.pump();
    }

    private void pump() {
        if (done) {
            return;
        }
        try {
            while (true) {
                if (filling) {
                    int read = source.read(buffer);
                    if (read == -1) {
                        endOfBody = true;
                        drainMode();
                    } else if (read == 0) {
                        if (responseStarted && buffer.position() > 0) {
                            drainMode(); // keep latency low once the answer is under way
                        } else {
                            if (sink != null) {
                                sink.suspendWrites();
                            }
                            source.resumeReads();
                            return;
                        }
                    } else if (!buffer.hasRemaining()) {
                        drainMode();
                    }
                } else if (buffer.hasRemaining()) {
                    if (!responseStarted) {
                        responseStarted = true;
                        sink = exchange.getResponseChannel();
                        sink.getWriteSetter().set(channel -> pump());
                    }
                    if (sink.write(buffer) == 0) {
                        source.suspendReads();
                        sink.resumeWrites();
                        return;
                    }
                } else if (endOfBody) {
                    finish();
                    return;
                } else {
                    buffer.clear();
                    filling = true;
                }
            }
        } catch (IOException e) {
            done = true;
            source.suspendReads();
            if (sink != null) {
                sink.suspendWrites();
            }
            pooled.close();
            Responses.bodyFailed(exchange, e, "echo");
        }
    }

    private void drainMode() {
        buffer.flip();
        filling = false;
    }

    private void finish() {
        done = true;
        source.suspendReads();
        if (sink != null) {
            sink.suspendWrites();
        }
        pooled.close();
        exchange.endExchange(); // an empty body never took the channel: endExchange sends the head
    }
}
