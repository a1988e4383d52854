package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.server.connection.ConnectionSummary;
import io.mpool.server.demo.Routes;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 over real sockets: h2 by ALPN on the HTTPS listener with the JDK's HttpClient, h2c with
 * prior knowledge on the plain listener with curl and with {@link H2Frames}; every route of the
 * demo application byte-exact, 100 concurrent streams on one connection, 10,000 sequential streams
 * on one connection with the connection's memory flat, the protocol and live streams on the admin
 * view. After each test every pool and every stream's region is destroyed and no arena page is
 * outstanding (the fixture checks).
 */
class Http2Test {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture().withTls(TestCertificates.rsa().listener(Duration.ofSeconds(5)));

    private HttpClient h2Client() throws Exception {
        return HttpClient.newBuilder().sslContext(TestCertificates.rsa().clientContext())
                .version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private URI https(String path) {
        return URI.create("https://localhost:" + fixture.server().tlsPort() + path);
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return String.format("%08x", crc.getValue());
    }

    private static byte[] abc(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
    }

    @Test
    void everyRouteOverH2ByAlpnWithTheJdkClient() throws Exception {
        HttpClient client = h2Client();
        for (int size : List.of(0, 1, 16_384, 70_000, 1024 * 1024)) {
            byte[] body = random(size, size);
            for (String path : List.of("/echo", "/echo?mode=full", "/echo?mode=blocking")) {
                HttpResponse<byte[]> echo = send(client, HttpRequest.newBuilder(https(path))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
                assertEquals(200, echo.statusCode(), path + " " + size);
                assertArrayEquals(body, echo.body(), path + " " + size + " byte-exact");
            }
            HttpResponse<byte[]> upload = send(client, HttpRequest.newBuilder(https("/upload"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
            assertEquals("{\"bytes\":" + size + ",\"crc32\":\"" + crc32(body) + "\"}",
                    new String(upload.body(), StandardCharsets.US_ASCII).strip());
        }
        assertEquals("hello\n", text(send(client, HttpRequest.newBuilder(https("/hello")).GET())));
        assertArrayEquals(abc(100_000), send(client, HttpRequest.newBuilder(https("/bytes/100000")).GET()).body());
        assertEquals("{\"bytes\":17,\"fields\":2,\"depth\":3}", text(send(client, HttpRequest.newBuilder(https("/json"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"a\":[1,{\"b\":2}]}")))).strip());
        HttpResponse<byte[]> head = send(client, HttpRequest.newBuilder(https("/bytes/100"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals("100", head.headers().firstValue("content-length").orElseThrow());
        assertEquals(0, head.body().length);
        HttpResponse<byte[]> options = send(client, HttpRequest.newBuilder(https("/echo"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertEquals(204, options.statusCode());
        assertEquals("POST, OPTIONS", options.headers().firstValue("allow").orElseThrow());
        assertEquals(404, send(client, HttpRequest.newBuilder(https("/nope")).GET()).statusCode());
        HttpResponse<byte[]> wrongMethod = send(client, HttpRequest.newBuilder(https("/hello"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertEquals(405, wrongMethod.statusCode());
        assertEquals(1, fixture.server().stats().poolsCreated(), "every stream on one connection");
        stopWithEveryPageBack();
    }

    /** The JDK's client keeps its connection for 20 minutes: the server's stop closes it, and every page is back. */
    private void stopWithEveryPageBack() {
        String stopped = fixture.server().stop(Duration.ofSeconds(2));
        assertTrue(stopped.contains(" pagesOutstanding=0 largeBlocksOutstanding=0 "), stopped);
    }

    private static HttpResponse<byte[]> send(HttpClient client, HttpRequest.Builder request) throws Exception {
        HttpResponse<byte[]> response = client.send(request.timeout(WAIT).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(HttpClient.Version.HTTP_2, response.version(), "negotiated h2 for " + response.uri());
        return response;
    }

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void everyRouteOverH2cByPriorKnowledgeWithCurl(@TempDir Path dir) throws Exception {
        byte[] body = random(200_000, 7);
        Path file = Files.write(dir.resolve("body"), body);
        String base = "http://127.0.0.1:" + fixture.port();
        for (String path : List.of("/echo", "/echo?mode=full", "/echo?mode=blocking")) {
            assertArrayEquals(body, curl("--data-binary", "@" + file, base + path), path + " byte-exact");
        }
        assertEquals("{\"bytes\":200000,\"crc32\":\"" + crc32(body) + "\"}",
                new String(curl("--data-binary", "@" + file, base + "/upload"), StandardCharsets.US_ASCII).strip());
        assertEquals("hello\n", new String(curl(base + "/hello"), StandardCharsets.US_ASCII));
        assertArrayEquals(abc(100_000), curl(base + "/bytes/100000"));
        assertEquals("{\"bytes\":17,\"fields\":2,\"depth\":3}",
                new String(curl("--data-binary", "{\"a\":[1,{\"b\":2}]}", base + "/json"), StandardCharsets.US_ASCII)
                        .strip());
        String head = new String(curl("-I", base + "/bytes/100"), StandardCharsets.US_ASCII);
        assertTrue(head.startsWith("HTTP/2 200") && head.contains("content-length: 100"), head);
        String options = new String(curl("-i", "-X", "OPTIONS", base + "/echo"), StandardCharsets.US_ASCII);
        assertTrue(options.startsWith("HTTP/2 204") && options.contains("allow: POST, OPTIONS"), options);
        assertTrue(new String(curl("-i", base + "/nope"), StandardCharsets.US_ASCII).startsWith("HTTP/2 404"));
        assertEquals("hello\n", new String(curl("--http1.1", base + "/hello"), StandardCharsets.US_ASCII),
                "HTTP/1.1 on the same listener");
    }

    /** curl with HTTP/2 by prior knowledge (unless told {@code --http1.1}); its standard output. */
    private static byte[] curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "-S", "--max-time", "30"));
        if (!List.of(args).contains("--http1.1")) {
            command.add("--http2-prior-knowledge");
        }
        command.addAll(List.of(args));
        Process curl = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out;
        try (InputStream stdout = curl.getInputStream()) {
            out = stdout.readAllBytes();
        }
        assertEquals(0, curl.waitFor(), "curl " + command);
        return out;
    }

    @Test
    void hundredConcurrentStreamsOnOneConnectionWithMixedSizes() throws Exception {
        HttpClient client = h2Client();
        send(client, HttpRequest.newBuilder(https("/hello")).GET()); // the connection, before the burst
        List<byte[]> bodies = new ArrayList<>();
        List<CompletableFuture<HttpResponse<byte[]>>> responses = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            byte[] body = random(i % 4 == 0 ? 200_000 : i * 517, i);
            bodies.add(body);
            responses.add(client.sendAsync(HttpRequest.newBuilder(https(i % 2 == 0 ? "/echo" : "/echo?mode=full"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofByteArray()));
        }
        for (int i = 0; i < 100; i++) {
            HttpResponse<byte[]> response = responses.get(i).get();
            assertEquals(HttpClient.Version.HTTP_2, response.version());
            assertArrayEquals(bodies.get(i), response.body(), "stream " + i + " got its own bytes, all of them");
        }
        assertEquals(1, fixture.server().stats().poolsCreated(), "100 streams on one connection");
        assertEquals(101, fixture.server().stats().h2Streams());
        stopWithEveryPageBack();
    }

    @Test
    void tenThousandSequentialStreamsLeaveTheConnectionsMemoryFlat() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            byte[] hello = H2Frames.requestHeaders("GET", "/hello");
            int stream = 1;
            long afterWarmUp = -1;
            for (int i = 0; i < 10_000; i++, stream += 2) {
                if (i % 2 == 0) {
                    h2.headers(stream, hello, true);
                    assertEquals("hello\n", new String(h2.response(stream).body(), StandardCharsets.US_ASCII));
                } else {
                    h2.headers(stream, H2Frames.requestHeaders("POST", "/echo?mode=full"), false);
                    h2.data(stream, "a body of its own".getBytes(StandardCharsets.US_ASCII), true);
                    assertEquals("a body of its own", new String(h2.response(stream).body(), StandardCharsets.US_ASCII));
                }
                if (i == 100 || i == 9_999) {
                    ConnectionSummary summary = quiescentConnection();
                    assertEquals("h2c", summary.protocol());
                    if (afterWarmUp < 0) {
                        afterWarmUp = summary.bytesReserved();
                    } else {
                        assertEquals(afterWarmUp, summary.bytesReserved(), "the connection's memory after 10,000"
                                + " streams as after 100: " + summary);
                    }
                }
            }
        }
        assertEquals(10_000, fixture.server().stats().h2Streams());
        assertEquals(0, fixture.server().stats().resets(), "no HTTP/1.1 reset ran for a stream");
    }

    /** The one connection, once its streams' regions are all destroyed. */
    private ConnectionSummary quiescentConnection() throws InterruptedException {
        H2Frames.await(() -> connection().summary().streams() == 0, "every stream's region destroyed");
        return connection().summary();
    }

    private ConnectionBufferPool connection() {
        List<ConnectionBufferPool> connections = fixture.server().registry().pools();
        assertEquals(1, connections.size());
        return connections.get(0);
    }

    @Test
    void adminShowsTheProtocolAndLiveStreamsOfEachConnection() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            h2.headers(1, H2Frames.requestHeaders("POST", "/echo"), false); // running: its body has not come
            h2.headers(3, H2Frames.requestHeaders("POST", "/echo"), false);
            H2Frames.await(() -> fixture.server().registry().pools().size() == 1
                    && connection().summary().streams() == 2, "two streams running");
            JsonNode pools = fixture.admin("/admin/pools", null).json();
            JsonNode row = pools.get("connections").get(0);
            assertEquals("h2c", row.get("protocol").asText(), row.toString());
            assertEquals(2, row.get("streams").asInt(), row.toString());
            h2.data(1, new byte[0], true);
            h2.data(3, new byte[0], true);
            h2.response(1);
            h2.response(3);
        }
        fixture.awaitAllPoolsDestroyed();
        String metrics = new String(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + fixture.server().adminPort() + "/metrics"))
                .header("Cache-Control", "no-cache").build(),
                HttpResponse.BodyHandlers.ofByteArray()).body(), StandardCharsets.UTF_8);
        assertTrue(metrics.contains("mpool_h2_streams_total 2.0"), metrics);
    }

    @Test
    void http11StaysOnTheTlsListenerByAlpn() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(TestCertificates.rsa().clientContext())
                .version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> tls = client.send(HttpRequest.newBuilder(https("/hello")).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_1_1, tls.version());
        assertEquals("hello\n", tls.body());
        stopWithEveryPageBack();
    }

    @Test
    void withoutHttp2ThePrefaceIsJustABadHttp11Request() throws Exception {
        MpoolServer server = MpoolServer.builder().addHttpListener(0, "127.0.0.1").setHandler(new Routes(null))
                .setHttp2(false).build().start();
        try (Socket socket = RawHttp.socket(server.port(), 10_000)) {
            socket.getOutputStream().write(H2Frames.PREFACE);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 4") || answer.startsWith("HTTP/1.1 5"), answer);
        } finally {
            String stopped = server.stop(Duration.ofSeconds(2));
            assertTrue(stopped.contains(" pagesOutstanding=0 largeBlocksOutstanding=0 "), stopped);
        }
        assertEquals(0, server.totals().h2Streams());
    }

    @Test
    void http11StaysOnThePlainListener() throws Exception {
        try (RawHttp http = fixture.connect()) {
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
        }
    }

    /**
     * An HTTP/1.1 request whose first bytes could still be the HTTP/2 preface ({@code P}, then
     * {@code PR}...) and that arrive apart: held back while they may be, then given to HTTP/1.1
     * in order once a byte differs.
     */
    @Test
    void http11RequestSplitInsideThePrefacesPrefixIsServed() throws Exception {
        byte[] request = RawHttp.post("/echo", "text/plain", "split".getBytes(StandardCharsets.US_ASCII));
        try (RawHttp http = fixture.connect()) {
            http.send(Arrays.copyOfRange(request, 0, 1)); // "P": the preface's first byte too
            Thread.sleep(100);
            http.send(Arrays.copyOfRange(request, 1, request.length));
            RawHttp.Response response = http.read();
            assertEquals(200, response.status());
            assertEquals("split", response.text());
        }
    }

    @Test
    void prefaceSplitAcrossReadsStillStartsHttp2() throws Exception {
        try (Socket socket = RawHttp.socket(fixture.port(), 10_000)) {
            socket.getOutputStream().write(Arrays.copyOfRange(H2Frames.PREFACE, 0, 5)); // "PRI *"
            Thread.sleep(100);
            socket.getOutputStream().write(Arrays.copyOfRange(H2Frames.PREFACE, 5, H2Frames.PREFACE.length));
            socket.getOutputStream().write(H2Frames.header(H2Frames.SETTINGS, 0, 0, 0));
            byte[] head = socket.getInputStream().readNBytes(9);
            assertEquals(H2Frames.SETTINGS, head[3], "the server's SETTINGS: it speaks HTTP/2");
        }
    }
}
