package io.mpool.server.demo;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;

/**
 * {@code GET /bytes/{n}}: n bytes of a deterministic pattern, byte i being {@link #patternByte}
 * ({@code HEAD}: the headers only, nothing generated).
 * Written without blocking through one buffer of the connection's pool, refilled as the client
 * reads, so a slow reader holds one buffer however large n is.
 */
public final class BytesHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(BytesHandler.class.getName());
    /** The largest n served: 1 GiB. */
    public static final long MAX_BYTES = 1L << 30;
    /** 'a'..'z'. */
    private static final int PERIOD = 26;
    /** Bytes a refill copies per {@code put}: fewer, longer copies; any size is correct. */
    private static final int COPY_RUN = 8192;
    /** The pattern from every phase: a run starting at phase p is PATTERN[p, p + COPY_RUN). */
    private static final byte[] PATTERN = new byte[COPY_RUN + PERIOD];

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = patternByte(i);
        }
    }

    /** Byte {@code i} of every {@code /bytes} answer: 'a'..'z' repeating. */
    public static byte patternByte(long i) {
        return (byte) ('a' + (int) (i % PERIOD));
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        String text = exchange.getRequestPath().substring("/bytes/".length());
        long n;
        try {
            n = Long.parseLong(text);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 || n > MAX_BYTES) {
            Responses.text(exchange, 400, "n=" + text + " (expected: a whole number 0.." + MAX_BYTES + ")");
            return;
        }
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
        exchange.setResponseContentLength(n);
        if (n == 0 || exchange.getRequestMethod().toString().equals("HEAD")) {
            // HEAD: the same headers, Content-Length included, and no body to generate
            exchange.endExchange();
            return;
        }
        new PatternWriter(exchange, n).handleEvent(exchange.getResponseChannel());
    }

    private static final class PatternWriter implements ChannelListener<StreamSinkChannel> {
        private final HttpServerExchange exchange;
        private final PooledByteBuffer pooled;
        private final long total;
        private long filled;

        PatternWriter(HttpServerExchange exchange, long total) {
            this.exchange = exchange;
            this.total = total;
            this.pooled = ExchangeBuffer.allocate(exchange);
            pooled.getBuffer().limit(0);
        }

        @Override
        public void handleEvent(StreamSinkChannel channel) {
            ByteBuffer buffer = pooled.getBuffer();
            try {
                while (true) {
                    if (!buffer.hasRemaining()) {
                        if (filled == total) {
                            channel.suspendWrites();
                            pooled.close();
                            exchange.endExchange();
                            return;
                        }
                        refill(buffer);
                    }
                    if (channel.write(buffer) == 0) {
                        channel.getWriteSetter().set(this);
                        channel.resumeWrites();
                        return;
                    }
                }
            } catch (IOException e) {
                LOG.log(Level.FINE, "writing /bytes to " + exchange.getSourceAddress() + " failed", e);
                pooled.close();
                IoUtils.safeClose(exchange.getConnection());
            }
        }

        private void refill(ByteBuffer buffer) {
            buffer.clear();
            int length = (int) Math.min(buffer.capacity(), total - filled);
            int written = 0;
            while (written < length) {
                int phase = (int) ((filled + written) % PERIOD);
                int chunk = Math.min(length - written, COPY_RUN);
                buffer.put(PATTERN, phase, chunk);
                written += chunk;
            }
            buffer.flip();
            filled += length;
        }
    }
}
