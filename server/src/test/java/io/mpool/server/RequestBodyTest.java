package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.ServerConfig;
import io.mpool.server.stats.ServerMetric;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole request bodies ({@code RequestBody}) over real sockets: in pool memory up to
 * {@code --body-in-memory-max}, in a temp file past it; byte-exact answers, the temp file gone
 * after every ending, and (by the fixture) every arena page back after each test.
 */
class RequestBodyTest {
    static final int LIMIT = 64 * 1024;
    static final Path TEMP_DIR = BodyTestSupport.createDir("request-body-test");

    private final BodyTestRoutes routes = new BodyTestRoutes(() -> this.fixture.server());

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(
            config -> config.withLimits(config.limits().withBodyInMemory(LIMIT, TEMP_DIR)), routes);

    @ParameterizedTest(name = "{0} bytes, chunked={1}")
    @CsvSource({"0, false", "0, true", "1, false", "1, true", "65535, false", "65535, true", "65536, false",
            "65536, true", "65537, false", "65537, true", "300001, false", "300001, true"})
    void aWholeBodyComesBackByteForByteInMemoryUpToTheLimitThenFromAFile(int size, boolean chunked) throws Exception {
        byte[] body = BodyTestSupport.random(size, size);
        ServerMetric stats = fixture.server().stats();
        long spillsBefore = stats.bodySpills();
        try (RawHttp http = fixture.connect()) {
            byte[] request = chunked ? BodyTestSupport.chunked("/echo?mode=full", body, 7000)
                    : RawHttp.post("/echo?mode=full", "application/x-test", body);
            RawHttp.Response response = http.exchange(request);
            assertEquals(200, response.status(), response.text());
            assertEquals(String.valueOf(size), response.header("Content-Length"));
            assertArrayEquals(body, response.body(), "the body back, byte for byte");
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "the connection goes on");
        }
        assertEquals(size > LIMIT ? 1 : 0, stats.bodySpills() - spillsBefore, "spilled only past the limit");
        BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
    }

    @Test
    void jsonIsParsedFromTheStreamInMemoryAndFromATempFile() throws Exception {
        try (RawHttp http = fixture.connect()) {
            String small = "{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":{\"e\":{\"f\":\"x\"}}}";
            RawHttp.Response answer = http.exchange(RawHttp.post("/json", "application/json", bytes(small)));
            assertEquals(200, answer.status(), answer.text());
            assertEquals("{\"bytes\":" + small.length() + ",\"fields\":6,\"depth\":3}\n", answer.text());
            String large = BodyTestSupport.jsonArrayOfObjects(LIMIT * 3);
            answer = http.exchange(RawHttp.post("/json", "application/json", bytes(large)));
            assertEquals(200, answer.status(), answer.text());
            long objects = large.chars().filter(c -> c == '{').count();
            assertEquals("{\"bytes\":" + large.length() + ",\"fields\":" + 2 * objects + ",\"depth\":2}\n",
                    answer.text(), "parsed from the temp file on a worker");
            assertEquals(1, fixture.server().stats().bodySpills());
        }
        BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"a\":               | malformed JSON: Unexpected end-of-input",
        "{\"a\" 1}             | malformed JSON: Unexpected character ('1' (code 49))",
        "''                    | malformed JSON: empty body",
        "{} {}                 | malformed JSON: data after the value at offset",
        "[1,2                  | malformed JSON: Unexpected end-of-input",
    })
    void malformedJsonGets400WithAShortReason(String body, String reason) throws Exception {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response answer = http.exchange(RawHttp.post("/json", "application/json", bytes(body)));
            assertEquals(400, answer.status(), answer.text());
            assertTrue(answer.text().startsWith(reason), answer.text());
            assertTrue(answer.text().length() < 300, "short: " + answer.text());
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "the connection goes on");
        }
    }

    /** Bytes the parser rejects below the JSON grammar: encodings and code points. Each is the client's error. */
    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "0000005bffffffff", // UTF-32BE detected, then a code point past U+10FFFF
        "5b000000ffffffff", // the same, little-endian
        "5b22ff225d", // invalid UTF-8 in a string
        "5b22c0225d", // a UTF-8 lead byte without its continuation
        "005b0022d8000022005d", // UTF-16BE with a lone surrogate
    })
    void bytesTheParserCannotDecodeGet400(String hex) throws Exception {
        byte[] body = HexFormat.of().parseHex(hex);
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response answer = http.exchange(RawHttp.post("/json", "application/json", body));
            assertEquals(400, answer.status(), answer.text());
            assertTrue(answer.text().startsWith("malformed JSON: "), answer.text());
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "the connection goes on");
        }
    }

    @Test
    void aHandlerThatThrowsGets500AndItsTempFileIsDeleted() throws Exception {
        try (RawHttp http = fixture.connect()) {
            for (int size : new int[] {10, LIMIT + 1}) {
                RawHttp.Response answer = http.exchange(RawHttp.post("/test/throw", "x/y", new byte[size]));
                assertEquals(500, answer.status(), answer.text());
                assertEquals("the handler failed on the request body\n", answer.text());
                BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
            }
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "the connection goes on");
        }
    }

    @Test
    void aClientThatAbortsMidBodyLeavesNoTempFile() throws Exception {
        RawHttp http = fixture.connect();
        OutputStream out = http.output();
        out.write(bytes("POST /echo?mode=full HTTP/1.1\r\nHost: t\r\nContent-Length: " + 10 * LIMIT + "\r\n\r\n"));
        out.write(new byte[3 * LIMIT]);
        out.flush();
        BodyTestSupport.awaitLive(fixture.server(), TEMP_DIR, 1);
        http.abort();
        BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
        fixture.awaitAllPoolsDestroyed();
    }

    @Test
    void requestsPipelinedBehindASpilledBodyAreServedInOrder() throws Exception {
        byte[] big = BodyTestSupport.random(3 * LIMIT + 11, 5);
        String json = "{\"k\":[true]}";
        byte[] all = RawHttp.concat(RawHttp.post("/echo?mode=full", "a/b", big), RawHttp.get("/hello"),
                RawHttp.post("/json", "application/json", bytes(json)), BodyTestSupport.chunked("/echo?mode=full", big, 4096),
                RawHttp.get("/hello"));
        try (RawHttp http = fixture.connect()) {
            http.send(all);
            assertArrayEquals(big, http.read().body());
            assertEquals("hello\n", http.read().text());
            assertEquals("{\"bytes\":12,\"fields\":1,\"depth\":2}\n", http.read().text());
            assertArrayEquals(big, http.read().body());
            assertEquals("hello\n", http.read().text());
        }
        assertEquals(2, fixture.server().stats().bodySpills());
        BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
    }

    /** One test for both framings: 100 MB each way, checked by CRC (no copy held in the test). */
    @Test
    void aHundredMegabyteBodySpillsAndComesBackExactly() throws Exception {
        long total = 100L << 20;
        for (boolean chunked : new boolean[] {false, true}) {
            try (RawHttp http = fixture.connect()) {
                OutputStream out = http.output();
                out.write(bytes("POST /echo?mode=full HTTP/1.1\r\nHost: t\r\n"
                        + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + total) + "\r\n\r\n"));
                byte[] chunk = BodyTestSupport.random(1 << 16, 9);
                CRC32 sent = new CRC32();
                for (long n = 0; n < total; n += chunk.length) {
                    if (chunked) {
                        out.write(bytes(Integer.toHexString(chunk.length) + "\r\n"));
                    }
                    out.write(chunk);
                    if (chunked) {
                        out.write(bytes("\r\n"));
                    }
                    sent.update(chunk);
                }
                if (chunked) {
                    out.write(bytes("0\r\n\r\n"));
                }
                out.flush();
                InputStream in = http.input();
                String head = BodyTestSupport.head(in);
                assertTrue(head.startsWith("HTTP/1.1 200 ") && head.contains("Content-Length: " + total), head);
                assertEquals(sent.getValue(), BodyTestSupport.crcOf(in, total), "100 MB back exactly, chunked=" + chunked);
            }
            BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
        }
        assertEquals(2, fixture.server().stats().bodySpills());
        assertEquals(2 * total, fixture.server().stats().bodySpillBytes());
    }

    @Test
    void bodiesPastMaxBodySizeGet413AndAreCounted() throws Exception {
        MpoolServer limited = TestServers.demo(ServerConfig.defaults(0, 0).withLimits(ServerConfig.defaults(0, 0)
                .limits().withMaxBody(2 * LIMIT).withBodyInMemory(LIMIT, TEMP_DIR))).start();
        try {
            RawHttp.Exchange announced = RawHttp.sendAll(limited.port(), "POST /json HTTP/1.1\r\nHost: t\r\n"
                    + "Content-Length: " + (2 * LIMIT + 1) + "\r\n\r\n", 20_000);
            assertEquals(List.of(413), announced.statuses(), announced.text());
            String chunk = Integer.toHexString(LIMIT) + "\r\n" + "x".repeat(LIMIT) + "\r\n";
            RawHttp.Exchange counted = RawHttp.sendAll(limited.port(), "POST /echo?mode=full HTTP/1.1\r\nHost: t\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + chunk + chunk + chunk + "0\r\n\r\n", 20_000);
            assertEquals(List.of(413), counted.statuses(), counted.text());
            assertEquals(2, limited.stats().bodyTooLarge());
            BodyTestSupport.awaitNone(limited, TEMP_DIR);
        } finally {
            limited.stop(Duration.ofSeconds(2));
        }
        assertEquals(0, limited.arena().stats().pagesInUse());
    }

    @Test
    void aTempDirThatIsGoneGets500AndTheConnectionCloses() throws Exception {
        Path gone = BodyTestSupport.createDir("request-body-gone");
        MpoolServer server = TestServers.demo(ServerConfig.defaults(0, 0).withLimits(ServerConfig.defaults(0, 0)
                .limits().withBodyInMemory(LIMIT, gone))).start();
        try {
            Files.delete(gone);
            byte[] request = RawHttp.concat(RawHttp.post("/echo?mode=full", "a/b", new byte[2 * LIMIT]),
                    RawHttp.get("/hello"));
            RawHttp.Exchange answer = RawHttp.sendAll(server.port(), request, new int[0], 20_000);
            assertEquals(List.of(500), answer.statuses(), answer.text());
            assertTrue(answer.text().contains("the server could not store the request body"), answer.text());
            assertEquals(0, server.stats().bodyTempFilesLive());
        } finally {
            server.stop(Duration.ofSeconds(2));
        }
        assertEquals(0, server.arena().stats().pagesInUse());
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
