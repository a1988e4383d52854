package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.RequestLimits;
import io.mpool.server.framing.FramingScanner;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;


/**
 * Broken request framing over real sockets: each case gets its status and a closed connection,
 * and the request pipelined behind it is never served (request smuggling). These are the cases
 * stock Undertow answered with 200, held open, or closed without a word.
 */
class FramingTest {
    private static final String PIPELINED = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";

    /** No --max-body-size: the chunk-size bound is what is tested, not the body limit (BodyLimitTest). */
    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withLimits(config.limits().withMaxBody(0)));

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String path : List.of("/echo", "/upload", "/echo?mode=blocking")) {
            String chunked = "POST " + path + " HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
            String post = "POST " + path + " HTTP/1.1\r\nHost: t\r\n";
            cases.add(Arguments.of(path + " runaway chunk", chunked + "4\r\nSEE-THIS\r\n0\r\n\r\n", 400, true));
            cases.add(Arguments.of(path + " chunk size zz", chunked + "zz\r\nabc\r\n0\r\n\r\n", 400, true));
            // 2^62 + 5: Undertow's chunk counter would drop the flag bit and end the body early.
            cases.add(Arguments.of(path + " chunk size 2^62+5", chunked + "4000000000000005\r\nhello\r\n0\r\n\r\n", 400, true));
            cases.add(Arguments.of(path + " chunk size 0x5", chunked + "0x5\r\nhello\r\n0\r\n\r\n", 400, true));
            // RFC 9112 section 7.1.1: after the size only ';' extensions, and no control bytes.
            cases.add(Arguments.of(path + " chunk size then text", chunked + "5 x\r\nhello\r\n0\r\n\r\n", 400, true));
            cases.add(Arguments.of(path + " two chunk sizes", chunked + "5 5\r\nhello\r\n0\r\n\r\n", 400, true));
            cases.add(Arguments.of(path + " control byte in an extension", chunked + "5;a=b\u0001\r\nhello\r\n0\r\n\r\n", 400, true));
            cases.add(Arguments.of(path + " TE identity", post + "Transfer-Encoding: identity\r\n\r\nhello", 501, true));
            cases.add(Arguments.of(path + " TE gzip, chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 501, true));
            cases.add(Arguments.of(path + " TE ,chunked", post + "Transfer-Encoding: ,chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, true));
            cases.add(Arguments.of(path + " TE on HTTP/1.0", "POST " + path + " HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, true));
            cases.add(Arguments.of(path + " CL and TE", post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, true));
            // Trailers Undertow's parser refused by closing without a word.
            cases.add(Arguments.of(path + " folded trailer", chunked + "5\r\nhello\r\n0\r\nX-A: 1\r\n folded\r\n\r\n", 400, true));
            cases.add(Arguments.of(path + " trailer without colon", chunked + "5\r\nhello\r\n0\r\nNoColon\r\n\r\n", 400, true));
            cases.add(Arguments.of(path + " trailer without name", chunked + "5\r\nhello\r\n0\r\n: v\r\n\r\n", 400, true));
            cases.add(Arguments.of(path + " trailer with space before colon", chunked + "5\r\nhello\r\n0\r\nX-A : 1\r\n\r\n", 400, true));
            // Undertow's own parser refuses this one before our check: the status is the same.
            cases.add(Arguments.of(path + " TE with space before colon", post + "Transfer-Encoding : chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, false));
        }
        return cases.stream();
    }

    /**
     * Every limit of the framing check at exactly its value (served) and one byte above (refused),
     * each followed by a pipelined GET /hello that is served only in the first case.
     */
    static Stream<Arguments> limits() {
        int line = RequestLimits.DEFAULTS.maxRequestLine();
        int head = RequestLimits.DEFAULTS.maxHeaderSize();
        List<Arguments> cases = new ArrayList<>();
        for (int over = 0; over <= 1; over++) {
            String suffix = over == 0 ? " = limit" : " = limit + 1";
            // "GET /" + path + " HTTP/1.1": the request line without its CRLF.
            String path = "a".repeat(line + over - "GET / HTTP/1.1".length());
            cases.add(Arguments.of("request line" + suffix, "GET /" + path + " HTTP/1.1\r\nHost: t\r\n\r\n",
                    over == 0 ? List.of(404, 200) : List.of(414)));
            // The whole head, every CRLF included.
            String padded = "GET /hello HTTP/1.1\r\nHost: t\r\nX-Pad: \r\n\r\n";
            String pad = "v".repeat(head + over - padded.length());
            cases.add(Arguments.of("head" + suffix, "GET /hello HTTP/1.1\r\nHost: t\r\nX-Pad: " + pad + "\r\n\r\n",
                    over == 0 ? List.of(200, 200) : List.of(431)));
            // The chunk-size line, its CRLF included: a size, then an extension as long as it takes.
            String extension = "x".repeat(FramingScanner.MAX_CHUNK_LINE + over - "5;\r\n".length());
            cases.add(Arguments.of("chunk-size line" + suffix, "POST /echo HTTP/1.1\r\nHost: t\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5;" + extension + "\r\nhello\r\n0\r\n\r\n",
                    over == 0 ? List.of(200, 200) : List.of(400)));
            // Content-Length digits: leading zeros count.
            String digits = "0".repeat(FramingScanner.MAX_CONTENT_LENGTH_DIGITS + over - 1) + "5";
            cases.add(Arguments.of("Content-Length digits" + suffix, "POST /echo HTTP/1.1\r\nHost: t\r\n"
                    + "Content-Length: " + digits + "\r\n\r\nhello", over == 0 ? List.of(200, 200) : List.of(400)));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("limits")
    void everyLimitHoldsAtExactlyItsValue(String name, String request, List<Integer> statuses) throws IOException {
        assertEquals(statuses, sendAndReadAll(request + PIPELINED), name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void brokenFramingIsAnsweredAndClosedAndNothingBehindItIsServed(String name, String request, int status,
                                                                   boolean refusedByOurCheck) throws IOException {
        long refusedBefore = fixture.server().stats().framingRefusals();
        List<Integer> statuses = sendAndReadAll(request + PIPELINED);
        assertEquals(List.of(status), statuses, name + ": exactly one response, the refusal");
        assertEquals(refusedBefore + (refusedByOurCheck ? 1 : 0), fixture.server().stats().framingRefusals());
        try (RawHttp http = fixture.connect()) {
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "others are unaffected");
        }
    }

    /**
     * Chunk sizes 2^k - 1, 2^k and 2^k + 5 for every bit k of a long (Undertow's flag bits
     * included), and 5 itself: each is followed by five bytes of data and the end of the body.
     */
    static Stream<Arguments> chunkSizesAcrossEveryBit() {
        List<Arguments> sizes = new ArrayList<>();
        sizes.add(Arguments.of("5"));
        for (int k = 3; k <= 64; k++) {
            BigInteger power = BigInteger.ONE.shiftLeft(k);
            for (int delta : new int[] {-1, 0, 5}) {
                sizes.add(Arguments.of(power.add(BigInteger.valueOf(delta)).toString(16)));
            }
        }
        return sizes.stream();
    }

    /**
     * The scanner and Undertow agree on where every chunk ends. Only a size of exactly 5 ends the
     * body after "hello": then the request pipelined behind it is checked (gzip, chunked: 501). A
     * larger size the scanner accepts is held whole by Undertow's chunk counter, so both treat
     * what follows as chunk data and nothing is answered 200; a size above the bound is refused
     * (400) before Undertow sees all of its digits. (Before the bound, 2^62 + 5 was cut to 5 by
     * Undertow while the scanner counted 2^62: 200, and every framing rule was off from there.)
     */
    @ParameterizedTest(name = "chunk size 0x{0}")
    @MethodSource("chunkSizesAcrossEveryBit")
    void everyChunkSizeIsEitherHeldWholeOrRefused(String hexSize) throws IOException {
        BigInteger size = new BigInteger(hexSize, 16);
        String request = "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + hexSize
                + "\r\nhello\r\n0\r\n\r\n"
                + "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + PIPELINED;
        List<Integer> statuses = sendAndReadAll(request);
        if (size.equals(BigInteger.valueOf(5))) {
            assertEquals(List.of(200, 501), statuses, "the request behind the body is checked");
        } else if (size.compareTo(BigInteger.valueOf(FramingScanner.MAX_CHUNK_SIZE)) > 0) {
            assertEquals(List.of(400), statuses, hexSize);
        } else {
            assertFalse(statuses.contains(200) || statuses.contains(501), hexSize + ": " + statuses);
        }
    }

    /**
     * RFC 9112 section 2.2: a server SHOULD ignore at least one empty line before a request line
     * (a client may send a CRLF after a POST body). They are dropped before Undertow's parser,
     * which answered them 400; they count against the head size, so a flood of them is 431.
     */
    @Test
    void emptyLinesBeforeARequestLineAreIgnored() throws IOException {
        String post = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
        assertEquals(List.of(200), sendAndReadAll("\r\n" + PIPELINED));
        assertEquals(List.of(200, 200, 200), sendAndReadAll("\r\n\r\n\n" + post + "\r\n" + PIPELINED + "\r\n\r\n"
                + PIPELINED));
        try (RawHttp http = fixture.connect()) {
            http.send("\r");
            http.send("\n\r\n");
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "empty lines in pieces");
            http.send(post + "\r\n");
            assertEquals("hello", http.read().text());
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "after a body and a CRLF");
        }
        int head = RequestLimits.DEFAULTS.maxHeaderSize();
        assertEquals(List.of(431), sendAndReadAll("\r\n".repeat(head / 2 + 1) + PIPELINED), "a flood of them");
        assertEquals(List.of(400), sendAndReadAll("\r\r\n" + PIPELINED), "a bare CR among them");
        assertEquals(2, fixture.server().stats().framingRefusals(), "the flood and the bare CR");
    }

    @Test
    void wellFormedChunkedBodiesWithExtensionsAndTrailersStillWork() throws IOException {
        try (RawHttp http = fixture.connect()) {
            http.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;name=value\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n" + PIPELINED);
            assertEquals("hello", http.read().text());
            assertEquals("hello\n", http.read().text(), "a correctly framed pipelined request is served");
        }
        assertEquals(0, fixture.server().stats().framingRefusals());
    }

    @Test
    void aFramingErrorAfterTheFirstBufferClosesWithoutACompleteResponse() throws IOException {
        // 20 KB of good chunk data fills the echo's 16 KB buffer and starts the answer; the break
        // comes after it, so the only safe outcome is a truncated answer and a closed connection.
        String good = "5000\r\n" + "x".repeat(0x5000) + "\r\n";
        String request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + good + "zz\r\n" + PIPELINED;
        try (Socket socket = fixture.socket(20_000)) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            String received = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(received.startsWith("HTTP/1.1 200 "), received.substring(0, Math.min(80, received.length())));
            assertFalse(received.endsWith("0\r\n\r\n"), "the chunked answer must not look complete");
            assertFalse(received.contains("hello\n"), "the pipelined request is never served");
        }
    }

    private List<Integer> sendAndReadAll(String bytes) throws IOException {
        RawHttp.Exchange exchange = RawHttp.sendAll(fixture.port(), bytes, 20_000);
        assertFalse(exchange.hung(), "the server neither answered nor closed");
        return exchange.statuses();
    }
}
