package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.connection.ApplicationHandler;
import io.mpool.server.connection.ConnectionBufferPool;
import io.undertow.Handlers;
import io.undertow.io.UndertowInputStream;
import io.undertow.io.UndertowOutputStream;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.resource.PathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.util.ETag;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Undertow's own handlers, unchanged, on connections that each own a pool: every case over a real
 * socket, and after each the fixture waits for every pool to be destroyed and the arena's pages to
 * be back to 0.
 */
class UndertowHandlersTest {
    /** Files from this size on go out by a zero-copy transfer from the file; smaller ones through pool buffers. */
    private static final long TRANSFER_MIN_SIZE = 16 * 1024;
    private static final byte[] SMALL = pattern(3_000);
    private static final byte[] LARGE = pattern(300_000);

    @TempDir
    static Path files;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config, ignored -> application());

    private static HttpHandler application() {
        try {
            Files.write(files.resolve("small.txt"), SMALL);
            Files.write(files.resolve("large.bin"), LARGE);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpHandler routes = Handlers.routing()
                .get("/items/{id}", exchange -> text(exchange, "item " + exchange.getQueryParameters().get("id").getFirst()))
                .post("/blocking", UndertowHandlersTest::blockingReverse)
                .get("/throws", exchange -> {
                    throw new IllegalStateException("a handler that fails on purpose");
                })
                .get("/pool", exchange -> {
                    Object pool = exchange.getConnection().getByteBufferPool();
                    text(exchange, pool.getClass().getSimpleName() + " " + System.identityHashCode(pool));
                });
        return Handlers.path(routes)
                .addPrefixPath("/files", new ResourceHandler(PathResourceManager.builder().setBase(files)
                        .setTransferMinSize(TRANSFER_MIN_SIZE)
                        .setETagFunction(path -> new ETag(false, "v1-" + path.getFileName()))
                        .build()))
                .addPrefixPath("/api", Handlers.pathTemplate()
                        .add("/users/{user}/orders/{order}", exchange -> text(exchange, "user "
                                + exchange.getQueryParameters().get("user").getFirst() + " order "
                                + exchange.getQueryParameters().get("order").getFirst())))
                .addPrefixPath("/ws", Handlers.websocket((exchange, channel) -> { }));
    }

    /** exchange.dispatch + startBlocking: Undertow's streams, the body back reversed. */
    private static void blockingReverse(HttpServerExchange exchange) throws IOException {
        if (exchange.isInIoThread()) {
            exchange.dispatch(UndertowHandlersTest::blockingReverse);
            return;
        }
        exchange.startBlocking();
        InputStream in = exchange.getInputStream();
        byte[] body = in.readAllBytes();
        for (int i = 0, j = body.length - 1; i < j; i++, j--) {
            byte b = body[i];
            body[i] = body[j];
            body[j] = b;
        }
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.length);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, in.getClass().getSimpleName());
        try (OutputStream out = exchange.getOutputStream()) {
            assertTrue(out instanceof UndertowOutputStream, out.getClass().getName());
            assertTrue(in instanceof UndertowInputStream, in.getClass().getName());
            out.write(body);
        }
    }

    @Test
    void routingAndPathTemplatesMatchTheirParameters() throws IOException {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response item = http.exchange(RawHttp.get("/items/42"));
            assertEquals(200, item.status());
            assertEquals("item 42", item.text());
            RawHttp.Response order = http.exchange(RawHttp.get("/api/users/ann/orders/7"));
            assertEquals(200, order.status());
            assertEquals("user ann order 7", order.text());
            assertEquals(405, http.exchange(RawHttp.post("/items/42", "a/b", new byte[0])).status());
            assertEquals(404, http.exchange(RawHttp.get("/nothing/here")).status());
        }
    }

    @Test
    void resourceHandlerServesFilesBelowAndAboveItsTransferThresholdByteForByte() throws IOException {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response small = http.exchange(RawHttp.get("/files/small.txt"));
            assertEquals(200, small.status());
            assertArrayEquals(SMALL, small.body());
            RawHttp.Response large = http.exchange(RawHttp.get("/files/large.bin"));
            assertEquals(200, large.status());
            assertArrayEquals(LARGE, large.body());
            assertEquals(404, http.exchange(RawHttp.get("/files/missing.txt")).status());
        }
    }

    @Test
    void aRangeRequestGetsThePartialContent() throws IOException {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response part = http.exchange(("GET /files/large.bin HTTP/1.1\r\nHost: t\r\n"
                    + "Range: bytes=100000-100099\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(206, part.status());
            assertEquals("bytes 100000-100099/" + LARGE.length, part.header("Content-Range"));
            byte[] expected = new byte[100];
            System.arraycopy(LARGE, 100_000, expected, 0, 100);
            assertArrayEquals(expected, part.body());
        }
    }

    @Test
    void aConditionalRequestGets304ByDateAndByETag() throws IOException {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response first = http.exchange(RawHttp.get("/files/small.txt"));
            String lastModified = first.header("Last-Modified");
            String etag = first.header("ETag");
            assertEquals("\"v1-small.txt\"", etag);
            RawHttp.Response byDate = http.exchange(("GET /files/small.txt HTTP/1.1\r\nHost: t\r\n"
                    + "If-Modified-Since: " + lastModified + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(304, byDate.status());
            RawHttp.Response byTag = http.exchange(("GET /files/small.txt HTTP/1.1\r\nHost: t\r\n"
                    + "If-None-Match: " + etag + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(304, byTag.status());
            assertEquals(200, http.exchange(RawHttp.get("/files/small.txt")).status(), "the connection still serves");
        }
    }

    @Test
    void aBlockingHandlerUsesUndertowsStreamsOnAWorker() throws IOException {
        byte[] body = "abcdefghij".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response reversed = http.exchange(RawHttp.post("/blocking", "a/b", body));
            assertEquals(200, reversed.status(), reversed.text());
            assertEquals("UndertowInputStream", reversed.header("Content-Type"));
            byte[] expected = new StringBuilder(new String(body, StandardCharsets.US_ASCII)).reverse().toString()
                    .getBytes(StandardCharsets.US_ASCII);
            assertArrayEquals(expected, reversed.body());
            assertEquals("item 1", http.exchange(RawHttp.get("/items/1")).text(), "the connection still serves");
        }
    }

    @Test
    void aHandlerThatThrowsGets500AndTheConnectionAndItsPoolCarryOn() throws Exception {
        try (RawHttp http = fixture.connect()) {
            assertEquals(500, http.exchange(RawHttp.get("/throws")).status());
            assertEquals("item 2", http.exchange(RawHttp.get("/items/2")).text());
        }
        fixture.awaitNoLivePools();
        try (RawHttp http = fixture.connect()) {
            assertEquals("item 3", http.exchange(RawHttp.get("/items/3")).text(), "a new connection is served");
        }
    }

    @Test
    void theExchangesBufferPoolIsItsConnectionsOwn() throws IOException {
        try (RawHttp one = fixture.connect(); RawHttp other = fixture.connect()) {
            String first = one.exchange(RawHttp.get("/pool")).text();
            assertTrue(first.startsWith(ConnectionBufferPool.class.getSimpleName() + " "), first);
            assertEquals(first, one.exchange(RawHttp.get("/pool")).text(), "the same pool for the connection's requests");
            assertNotEquals(first, other.exchange(RawHttp.get("/pool")).text(), "another connection, another pool");
        }
    }

    @Test
    void aWebSocketHandshakeIsRefusedWith501AndAReason() throws Exception {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response refused = http.exchange(("GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(501, refused.status());
            assertEquals(ApplicationHandler.UPGRADE_REFUSED, refused.text());
            assertEquals("item 4", http.exchange(RawHttp.get("/items/4")).text(), "the connection still serves");
        }
        CompletionException e = assertThrows(CompletionException.class,
                () -> HttpClient.newHttpClient().newWebSocketBuilder()
                        .buildAsync(URI.create("ws://127.0.0.1:" + fixture.port() + "/ws"), new WebSocket.Listener() { })
                        .orTimeout(10, TimeUnit.SECONDS).join());
        assertTrue(e.getCause() instanceof WebSocketHandshakeException, String.valueOf(e.getCause()));
        assertEquals(501, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
    }

    @Test
    void anH2cUpgradeHeaderIsIgnoredAndTheRequestServedAsHttp11() throws IOException {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response plain = http.exchange(("GET /items/5 HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                    + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(200, plain.status());
            assertEquals("item 5", plain.text());
        }
    }

    private static void text(HttpServerExchange exchange, String text) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
        exchange.getResponseSender().send(text);
    }

    private static byte[] pattern(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 8));
        }
        return bytes;
    }
}
