package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.ServerFeatures;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --gzip} over real sockets: a text body comes back gzip-encoded and decompresses to the
 * original byte for byte, small and binary bodies stay as they are, {@code Vary: Accept-Encoding}
 * on every text answer, and the compressor's buffers (from the connection's pool) all go back.
 */
class GzipTest {
    /** Text that compresses, but not to nothing: a counter in each line. */
    private static final byte[] TEXT = text(200_000);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withFeatures(new ServerFeatures(true, true)),
            GzipTest::withText);

    private static byte[] text(int bytes) {
        StringBuilder text = new StringBuilder(bytes + 64);
        for (int line = 0; text.length() < bytes; line++) {
            text.append("line ").append(line).append(": the quick brown fox jumps over the lazy dog\n");
        }
        return text.substring(0, bytes).getBytes(StandardCharsets.US_ASCII);
    }

    private static HttpHandler withText(HttpHandler routes) {
        return Handlers.routing()
                .get("/text/{size}", exchange -> {
                    int size = Integer.parseInt(exchange.getQueryParameters().get("size").getFirst());
                    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=us-ascii");
                    exchange.getResponseSender().send(ByteBuffer.wrap(TEXT, 0, size));
                })
                .setFallbackHandler(routes);
    }

    private static byte[] request(String path, boolean acceptGzip) {
        return ("GET " + path + " HTTP/1.1\r\nHost: t\r\n" + (acceptGzip ? "Accept-Encoding: gzip, deflate\r\n" : "")
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] gunzip(byte[] body) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return in.readAllBytes();
        }
    }

    @Test
    void aTextBodyIsGzippedAndDecompressesToTheOriginalAndPagesGoBack() throws Exception {
        try (RawHttp http = fixture.connect()) {
            for (int size : new int[] {1024, 20_000, TEXT.length}) {
                RawHttp.Response response = http.exchange(request("/text/" + size, true));
                assertEquals(200, response.status());
                assertEquals("gzip", response.header("Content-Encoding"), "size " + size);
                assertEquals("Accept-Encoding", response.header("Vary"));
                assertTrue(response.body().length < size, size + " bytes sent as " + response.body().length);
                byte[] original = new byte[size];
                System.arraycopy(TEXT, 0, original, 0, size);
                assertArrayEquals(original, gunzip(response.body()), "size " + size);
            }
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(0, fixture.server().arenaStats().pagesInUse(), "every page back in the arena");
    }

    @Test
    void withoutAcceptEncodingTheBodyIsSentAsIsButStillVaries() throws Exception {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response response = http.exchange(request("/text/20000", false));
            assertNull(response.header("Content-Encoding"));
            assertEquals("Accept-Encoding", response.header("Vary"), "a cache must not serve this to a gzip client");
            assertEquals(20_000, response.body().length);
        }
    }

    @Test
    void smallAndBinaryBodiesAreNotCompressed() throws Exception {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response small = http.exchange(request("/text/1023", true));
            assertNull(small.header("Content-Encoding"), "below the minimum length");
            assertEquals(1023, small.body().length);
            RawHttp.Response hello = http.exchange(request("/hello", true));
            assertNull(hello.header("Content-Encoding"));
            assertEquals("hello\n", hello.text());
            RawHttp.Response binary = http.exchange(request("/bytes/50000", true));
            assertNull(binary.header("Content-Encoding"), "application/octet-stream is not compressed");
            assertNull(binary.header("Vary"));
            assertEquals(50_000, binary.body().length);
        }
    }
}
