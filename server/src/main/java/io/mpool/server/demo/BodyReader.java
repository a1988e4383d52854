package io.mpool.server.demo;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.xnio.ChannelListener;
import org.xnio.channels.StreamSourceChannel;

/**
 * Reads a request body without blocking, one buffer of the connection's pool at a time, and
 * hands each chunk to a {@link Consumer}. The buffer is an {@link ExchangeBuffer}, closed at the
 * end of the body, on an error, and at the latest when the exchange completes.
 */
final class BodyReader implements ChannelListener<StreamSourceChannel> {

    /** What to do with the body. */
    interface Consumer {
        /** A chunk: the bytes between position and limit, valid only during the call. */
        void chunk(ByteBuffer data);

        /** The whole body was read. */
        void done(HttpServerExchange exchange);

        /** The body could not be read (client gone, bad framing). Default: {@link Responses#bodyFailed}. */
        default void failed(HttpServerExchange exchange, IOException e) {
            Responses.bodyFailed(exchange, e, "request body");
        }
    }

    private final HttpServerExchange exchange;
    private final Consumer consumer;
    private final PooledByteBuffer pooled;

    private BodyReader(HttpServerExchange exchange, Consumer consumer) {
        this.exchange = exchange;
        this.consumer = consumer;
        this.pooled = ExchangeBuffer.allocate(exchange);
    }

    static void start(HttpServerExchange exchange, Consumer consumer) {
        StreamSourceChannel channel = exchange.getRequestChannel();
        new BodyReader(exchange, consumer).handleEvent(channel);
    }

    @Override
    public void handleEvent(StreamSourceChannel channel) {
        ByteBuffer buffer = pooled.getBuffer();
        try {
            while (true) {
                buffer.clear();
                int read = channel.read(buffer);
                if (read == -1) {
                    channel.suspendReads();
                    pooled.close();
                    consumer.done(exchange);
                    return;
                }
                if (read == 0) {
                    channel.getReadSetter().set(this);
                    channel.resumeReads();
                    return;
                }
                buffer.flip();
                consumer.chunk(buffer);
            }
        } catch (IOException e) {
            channel.suspendReads();
            pooled.close();
            consumer.failed(exchange, e);
        }
    }
}
