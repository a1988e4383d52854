package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.ServerConfig.PoolKind;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpAttachments;
import io.undertow.util.HeaderMap;
import io.undertow.util.HttpString;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Trailers over HTTP/2, both ways, on a stream with a region of its own and with
 * {@code --pool undertow}: the request's trailers reach the handler once it has read the body, and
 * the trailers it attaches to its response go out after the body, in a HEADERS frame that ends the
 * stream.
 */
class Http2TrailersTest {
    /** Reads the body, answers with it and its request trailer, and sends a trailer of its own. */
    private static final HttpHandler TRAILERS = exchange -> RequestBody.read(exchange, (done, body) -> {
        HeaderMap trailers = done.getAttachment(HttpAttachments.REQUEST_TRAILERS);
        String checksum = trailers == null ? "none" : trailers.getFirst("x-checksum");
        HeaderMap answer = new HeaderMap();
        answer.put(new HttpString("x-served"), "yes");
        done.putAttachment(HttpAttachments.RESPONSE_TRAILERS, answer);
        done.getResponseSender().send("body " + body.size() + " checksum " + checksum);
    });

    @RegisterExtension
    final ServerFixture regions = new ServerFixture(config -> config,
            routes -> exchange -> (exchange.getRequestPath().equals("/trailers") ? TRAILERS : routes)
                    .handleRequest(exchange));

    @RegisterExtension
    final ServerFixture undertowPool = new ServerFixture(config -> config.withPool(PoolKind.UNDERTOW),
            routes -> exchange -> (exchange.getRequestPath().equals("/trailers") ? TRAILERS : routes)
                    .handleRequest(exchange));

    @Test
    void trailersBothWaysOnAStreamWithItsOwnRegion() throws Exception {
        trailersBothWays(regions.port());
    }

    @Test
    void trailersBothWaysWithUndertowsPool() throws Exception {
        trailersBothWays(undertowPool.port());
    }

    private static void trailersBothWays(int port) throws Exception {
        try (H2Frames h2 = new H2Frames(port, 10_000)) {
            for (int stream = 1; stream <= 5; stream += 2) {
                h2.headers(stream, H2Frames.requestHeaders("POST", "/trailers"), false);
                h2.data(stream, "twelve bytes".getBytes(StandardCharsets.US_ASCII), false);
                ByteArrayOutputStream trailer = new ByteArrayOutputStream();
                H2Frames.literal(trailer, "x-checksum", "c" + stream);
                h2.headers(stream, trailer.toByteArray(), true);
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                int headerBlocks = 0;
                boolean ended = false;
                while (!ended) {
                    H2Frames.Frame frame = h2.read();
                    if (frame == null) {
                        throw new EOFException("connection closed before stream " + stream + " ended");
                    }
                    if (frame.stream() != stream) {
                        continue;
                    }
                    assertTrue(frame.type() == H2Frames.HEADERS || frame.type() == H2Frames.DATA, "frame " + frame.type());
                    if (frame.type() == H2Frames.HEADERS) {
                        headerBlocks++;
                        assertTrue(headerBlocks == 1 || body.size() > 0, "the trailers come after the body");
                    } else {
                        body.writeBytes(frame.payload());
                    }
                    ended = (frame.flags() & H2Frames.END_STREAM) != 0;
                    if (ended) {
                        assertEquals(H2Frames.HEADERS, frame.type(), "the response's trailers end the stream");
                    }
                }
                assertEquals("body 12 checksum c" + stream, body.toString(StandardCharsets.US_ASCII));
                assertEquals(2, headerBlocks, "the response's head and its trailers");
            }
        }
    }
}
