package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.mempool.MpPool;
import io.mpool.server.config.ServerConfig;
import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.server.demo.BytesHandler;
import io.mpool.testing.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;


/** The routes over real sockets, byte-exact, with every pool and page back after each test. */
class ServerRoutesTest {
    private static final int BUFFER_SIZE = ServerConfig.defaults(0, 0).bufferSize();
    /** What streaming a body may hold: a node, the read and the handler's buffers, two spare. */
    private static final long STREAMING_BYTES = 4L * BUFFER_SIZE + MpPool.NODE_SIZE;
    private static final int UPLOAD_SAMPLES = 8;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void helloIsByteExact() throws IOException {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response response = http.exchange(RawHttp.get("/hello"));
            assertEquals(200, response.status());
            assertEquals("text/plain", response.header("Content-Type"));
            assertEquals("6", response.header("Content-Length"));
            assertEquals("hello\n", response.text());
        }
    }

    @Test
    void keepAliveServesManyRequestsOnOneConnection() throws IOException {
        try (RawHttp http = fixture.connect()) {
            for (int i = 0; i < 50; i++) {
                byte[] body = ("request " + i).getBytes(StandardCharsets.UTF_8);
                RawHttp.Response response = http.exchange(i % 2 == 0 ? RawHttp.get("/hello")
                        : RawHttp.post("/echo", "text/plain", body));
                assertEquals(200, response.status());
                assertArrayEquals(i % 2 == 0 ? "hello\n".getBytes(StandardCharsets.US_ASCII) : body, response.body());
            }
        }
    }

    @Test
    void http10AndConnectionCloseAreAnsweredThenClosed() throws IOException {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response response = http.exchange("GET /hello HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(200, response.status());
            assertEquals("hello\n", response.text());
            assertTrue(http.closedByServer());
        }
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response response = http.exchange(
                    "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("hello\n", response.text());
            assertTrue(http.closedByServer());
        }
    }

    @ParameterizedTest(name = "{0} pipelined requests")
    @ValueSource(ints = {3, 8, 16})
    void pipelinedMixedRequestsAreAnsweredInOrder(int count) throws IOException {
        pipelined(count, "/echo");
    }

    @ParameterizedTest(name = "{0} pipelined requests, blocking echo")
    @ValueSource(ints = {3, 16})
    void pipelinedRequestsThroughTheBlockingHandler(int count) throws IOException {
        pipelined(count, "/echo?mode=blocking");
    }

    private void pipelined(int count, String echoPath) throws IOException {
        List<byte[]> requests = new ArrayList<>();
        List<byte[]> expected = new ArrayList<>();
        Random random = new Random(count);
        for (int i = 0; i < count; i++) {
            switch (i % 3) {
                case 0 -> {
                    requests.add(RawHttp.get("/hello"));
                    expected.add("hello\n".getBytes(StandardCharsets.US_ASCII));
                }
                case 1 -> {
                    byte[] body = new byte[1 + random.nextInt(20_000)];
                    random.nextBytes(body);
                    requests.add(RawHttp.post(echoPath, "application/octet-stream", body));
                    expected.add(body);
                }
                default -> {
                    int n = random.nextInt(5_000);
                    requests.add(RawHttp.get("/bytes/" + n));
                    expected.add(pattern(n));
                }
            }
        }
        try (RawHttp http = fixture.connect()) {
            http.send(RawHttp.concat(requests.toArray(new byte[0][])));
            for (int i = 0; i < count; i++) {
                RawHttp.Response response = http.read();
                assertEquals(200, response.status(), "response " + i);
                assertArrayEquals(expected.get(i), response.body(), "response " + i);
            }
        }
    }

    @ParameterizedTest(name = "echo {0} bytes")
    @ValueSource(ints = {0, 1, 4095, 4096, 4097, 16384, 16385, 65536, 1024 * 1024})
    void echoReturnsTheBodyByteForByte(int size) throws IOException {
        echo(size);
    }

    @Test
    @Tag("slow")
    void echoReturnsTenMegabytesByteForByte() throws IOException {
        echo(10 * 1024 * 1024);
    }

    private void echo(int size) throws IOException {
        byte[] body = new byte[size];
        new Random(size).nextBytes(body);
        for (String path : new String[] {"/echo", "/echo?mode=blocking"}) {
            try (RawHttp http = fixture.connect()) {
                // Write and read concurrently: a large echo streams back while it is sent.
                Thread writer = new Thread(() -> {
                    try {
                        http.send(RawHttp.post(path, "application/x-test", body));
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                writer.start();
                RawHttp.Response response = http.read();
                join(writer);
                assertEquals(200, response.status(), path);
                assertEquals("application/x-test", response.header("Content-Type"));
                assertEquals(String.valueOf(size), response.header("Content-Length"));
                assertArrayEquals(body, response.body(), path + " " + size);
            }
        }
    }

    @Test
    void chunkedRequestBodiesAreEchoed() throws IOException {
        try (RawHttp http = fixture.connect()) {
            http.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
                    + "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n");
            RawHttp.Response response = http.read();
            assertEquals(200, response.status());
            assertEquals("hello, world", response.text());
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "connection still usable");
        }
    }

    @Test
    void uploadAnswersByteCountAndCrc() throws IOException {
        byte[] body = new byte[300_000];
        new Random(7).nextBytes(body);
        CRC32 crc = new CRC32();
        crc.update(body);
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response response = http.exchange(RawHttp.post("/upload", "application/octet-stream", body));
            assertEquals(200, response.status());
            assertEquals("application/json", response.header("Content-Type"));
            assertEquals(String.format("{\"bytes\":300000,\"crc32\":\"%08x\"}\n", crc.getValue()), response.text());
        }
    }

    @Test
    void anUploadStreamsThroughAFewBuffers() throws Exception {
        upload(8L << 20);
    }

    @Test
    @Tag("slow")
    void aHundredMegabyteUploadStreamsThroughAFewBuffers() throws Exception {
        upload(100L << 20);
    }

    /**
     * Streams {@code total} bytes to /upload and samples the connection's reserved pool memory
     * eight times on the way: a streamed body of any size holds at most the head node, the read
     * buffer and the handler's buffer (plus a recycled one), never memory in proportion to the body.
     */
    private void upload(long total) throws Exception {
        byte[] chunk = new byte[1 << 16];
        new Random(100).nextBytes(chunk);
        CRC32 crc = new CRC32();
        try (RawHttp http = fixture.connect()) {
            OutputStream out = http.output();
            out.write(("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + total + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            awaitOneConnection(); // the first megabytes fit in socket buffers before the accept
            long peakReserved = 0;
            int samples = 0;
            long sampleEvery = total / UPLOAD_SAMPLES;
            for (long sent = 0; sent < total; sent += chunk.length) {
                out.write(chunk);
                crc.update(chunk);
                if (sent % sampleEvery == sampleEvery - chunk.length) {
                    for (ConnectionBufferPool connection : fixture.server().registry().pools()) {
                        peakReserved = Math.max(peakReserved, connection.summary().bytesReserved());
                        samples++;
                    }
                }
            }
            RawHttp.Response response = http.read();
            assertEquals(String.format("{\"bytes\":%d,\"crc32\":\"%08x\"}\n", total, crc.getValue()), response.text());
            long highWater = fixture.server().registry().pools().get(0).detail().pool().highWaterBytes();
            assertEquals(UPLOAD_SAMPLES, samples, "the connection was live at every sample");
            assertTrue(highWater > 0 && highWater <= STREAMING_BYTES, "pool high-water " + highWater
                    + " bytes in use for a streamed body of " + total);
            // The head was read into the node's head buffer; the body streams through the
            // handler's full-size buffer: the node and at least one buffer.
            assertTrue(peakReserved >= BUFFER_SIZE + MpPool.NODE_SIZE && peakReserved <= STREAMING_BYTES, "pool peak " + peakReserved
                    + " bytes reserved for a streamed body of " + total);
        }
    }

    @Test
    void aClientThatClosesMidBodyLeavesNothingBehind() throws Exception {
        for (String path : new String[] {"/echo", "/upload", "/echo?mode=blocking"}) {
            RawHttp http = fixture.connect();
            http.send("POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n");
            http.send(new byte[100_000]);
            Await.until(path + "'s handler to run (1 request in flight)", ServerFixture.SETTLE,
                    () -> fixture.server().stats().inFlight(), inFlight -> inFlight == 1);
            http.abort();
        }
        fixture.awaitNoLivePools();
        try (RawHttp http = fixture.connect()) {
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
        }
    }

    @ParameterizedTest(name = "/bytes/{0}")
    @ValueSource(ints = {0, 1, 26, 16383, 16384, 16385, 1_000_000})
    void bytesServesTheDeterministicPattern(int n) throws IOException {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response response = http.exchange(RawHttp.get("/bytes/" + n));
            assertEquals(200, response.status());
            assertEquals(String.valueOf(n), response.header("Content-Length"));
            assertArrayEquals(pattern(n), response.body());
        }
    }

    @Test
    void badInputGetsAClearStatusAndBody() throws IOException {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response bad = http.exchange(RawHttp.get("/bytes/abc"));
            assertEquals(400, bad.status());
            assertEquals("n=abc (expected: a whole number 0..1073741824)\n", bad.text());
            assertEquals(400, http.exchange(RawHttp.get("/bytes/-1")).status());
            assertEquals(400, http.exchange(RawHttp.get("/bytes/1073741825")).status());
            RawHttp.Response missing = http.exchange(RawHttp.get("/nope"));
            assertEquals(404, missing.status());
            assertTrue(missing.text().startsWith("no route for /nope"), missing.text());
            RawHttp.Response wrongMethod = http.exchange(RawHttp.post("/hello", "text/plain", new byte[0]));
            assertEquals(405, wrongMethod.status());
            assertEquals("GET, HEAD, OPTIONS", wrongMethod.header("Allow"));
            assertEquals(405, http.exchange(RawHttp.get("/echo")).status());
            assertEquals(400, http.exchange(RawHttp.post("/echo?mode=fast", "text/plain", new byte[1])).status());
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
        }
    }

    private void awaitOneConnection() {
        Await.until("a live connection", ServerFixture.SETTLE, () -> fixture.server().registry().size(),
                live -> live > 0);
    }

    static byte[] pattern(int n) {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = BytesHandler.patternByte(i);
        }
        return bytes;
    }

    private static void join(Thread thread) {
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
