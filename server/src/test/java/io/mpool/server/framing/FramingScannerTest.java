package io.mpool.server.framing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.CorpusReplayTest;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class FramingScannerTest {
    private static final String GET = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";

    static Stream<Arguments> wellFramed() {
        return Stream.of(
                Arguments.of("a GET", GET),
                Arguments.of("pipelined GETs", GET + GET + GET),
                Arguments.of("fixed body then GET", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello" + GET),
                Arguments.of("chunked body then GET", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n" + GET),
                Arguments.of("chunked with trailers", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n"
                        + "3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n" + GET),
                Arguments.of("leading empty lines", "\r\n\r\n" + GET),
                Arguments.of("bare LF head", "GET /hello HTTP/1.1\nHost: t\n\n"),
                Arguments.of("HTTP/1.0 with length", "POST /echo HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi"),
                Arguments.of("chunk extensions with BWS, token and quoted values", "POST /echo HTTP/1.1\r\nHost: t\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n5 ;a\r\nhello\r\n5\t; b = c ;d=\"q \\\" \t\u00e9;\"\r\nhello\r\n"
                        + "0;last\r\n\r\n" + GET),
                Arguments.of("binary body bytes", "POST /echo HTTP/1.1\r\nContent-Length: 4\r\n\r\n\r\r\n\0" + GET));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wellFramed")
    void wellFramedStreamsPassWhole(String name, String stream) {
        byte[] bytes = stream.getBytes(StandardCharsets.ISO_8859_1);
        FramingScanner scanner = new FramingScanner(8192, 65536);
        assertEquals(bytes.length, scanner.scan(bytes, 0, bytes.length));
        assertNull(scanner.violation());
        // The same stream one byte at a time (as a slow client sends it) gives the same answer.
        FramingScanner bytewise = new FramingScanner(8192, 65536);
        for (int i = 0; i < bytes.length; i++) {
            assertEquals(i + 1, bytewise.scan(bytes, i, i + 1), "byte " + i);
        }
    }

    /** The empty lines before each request line are cut out of the bytes passed on, heap or direct. */
    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {false, true})
    void emptyLinesBeforeRequestLinesAreDroppedFromTheBytesPassedOn(boolean direct) {
        String post = "POST /echo HTTP/1.1\r\nContent-Length: 4\r\n\r\n\r\n\r\n";
        String stream = "\r\n\n" + GET + "\r\n" + post + "\r\n\r\n" + GET + "\n";
        byte[] bytes = stream.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(bytes.length + 2) : ByteBuffer.allocate(bytes.length + 2);
        buffer.position(2);
        buffer.put(bytes);
        FramingScanner scanner = new FramingScanner(8192, 65536);
        int end = scanner.scanDroppingEmptyLines(buffer, 2, bytes.length + 2);
        assertNull(scanner.violation());
        byte[] passed = new byte[end - 2];
        buffer.get(2, passed);
        assertEquals(GET + post + GET, new String(passed, StandardCharsets.ISO_8859_1),
                "the body's own CRLFs stay; the empty lines around the requests go");
    }

    static Stream<Arguments> refused() {
        String chunkedHead = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
        return Stream.of(
                Arguments.of("runaway chunk", chunkedHead + "4\r\nSEE-THIS\r\n0\r\n\r\n" + GET, 400, false, "chunk data longer"),
                Arguments.of("chunk size zz", chunkedHead + "zz\r\nabc\r\n0\r\n\r\n" + GET, 400, false, "not hexadecimal"),
                Arguments.of("chunk size 0x5", chunkedHead + "0x5\r\nhello\r\n0\r\n\r\n" + GET, 400, false, "not hexadecimal"),
                Arguments.of("chunk size bare LF", chunkedHead + "5\nhello\r\n0\r\n\r\n", 400, false, "bare LF"),
                Arguments.of("chunk size missing", chunkedHead + ";x\r\n", 400, false, "not hexadecimal"),
                Arguments.of("huge chunk size", chunkedHead + "fffffffffffffffff\r\n", 400, false, "chunk size"),
                Arguments.of("chunk size 2^62+5", chunkedHead + "4000000000000005\r\nhello\r\n0\r\n\r\n" + GET, 400, false, "chunk size above"),
                Arguments.of("chunk size 2^40", chunkedHead + "10000000000\r\n", 400, false, "chunk size above"),
                Arguments.of("text after the chunk size", chunkedHead + "5 x\r\nhello\r\n0\r\n\r\n" + GET, 400, false, "only ';' extensions"),
                Arguments.of("two chunk sizes", chunkedHead + "5 5\r\nhello\r\n0\r\n\r\n" + GET, 400, false, "only ';' extensions"),
                Arguments.of("space before CRLF", chunkedHead + "5 \r\nhello\r\n0\r\n\r\n" + GET, 400, false, "only ';' extensions"),
                Arguments.of("size then quote", chunkedHead + "5\"x\"\r\nhello\r\n0\r\n\r\n" + GET, 400, false, "not hexadecimal"),
                Arguments.of("extension without a name", chunkedHead + "5;\r\nhello\r\n0\r\n\r\n" + GET, 400, false, "without a name"),
                Arguments.of("extension without a value", chunkedHead + "5;a=\r\nhello\r\n0\r\n\r\n" + GET, 400, false, "without a value"),
                Arguments.of("NUL in an extension", chunkedHead + "5;a\0b\r\nhello\r\n0\r\n\r\n" + GET, 400, false, "control byte"),
                Arguments.of("DEL in an extension value", chunkedHead + "5;a=b\u007f\r\nhello\r\n0\r\n\r\n" + GET, 400, false, "control byte"),
                Arguments.of("0x1F in a quoted value", chunkedHead + "5;a=\"\u001f\"\r\nhello\r\n0\r\n\r\n" + GET, 400, false, "control byte"),
                Arguments.of("bare CR in a quoted value", chunkedHead + "5;a=\"\rx\"\r\nhello\r\n0\r\n\r\n" + GET, 400, false, "control byte"),
                Arguments.of("lower-case method", "get /hello HTTP/1.1\r\nHost: t\r\n\r\n" + GET, 501, true, "lower-case"),
                Arguments.of("mixed-case method", "heAD /hello HTTP/1.1\r\nHost: t\r\n\r\n" + GET, 501, true, "lower-case"),
                Arguments.of("TE identity", "POST /echo HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\nhello", 501, true, "unsupported"),
                Arguments.of("TE gzip, chunked", "POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, true, "unsupported"),
                Arguments.of("TE ,chunked", "POST /echo HTTP/1.1\r\nTransfer-Encoding: ,chunked\r\n\r\n", 400, true, "empty element"),
                Arguments.of("TE chunked, gzip", "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, true, "not the last"),
                Arguments.of("TE twice", "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, true, "repeated"),
                Arguments.of("TE on HTTP/1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, true, "HTTP/1.0"),
                Arguments.of("CL and TE", "POST /echo HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400, true, "both"),
                Arguments.of("two CL", "POST /echo HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, true, "repeated"),
                Arguments.of("CL not a number", "POST /echo HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400, true, "plain number"),
                Arguments.of("space before colon", "POST /echo HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n", 400, true, "whitespace"),
                Arguments.of("obs-fold", "GET / HTTP/1.1\r\nHost: t\r\n  folded\r\n\r\n", 400, true, "folding"),
                Arguments.of("bare CR", "GET / HTTP/1.1\rHost: t\r\n\r\n", 400, true, "bare CR"),
                Arguments.of("long request line", "GET /" + "a".repeat(9000) + " HTTP/1.1\r\n\r\n", 414, true, "request line"),
                Arguments.of("large head", "GET / HTTP/1.1\r\n" + "X-A: " + "b".repeat(70_000) + "\r\n\r\n", 431, true, "head larger"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void brokenFramingIsRefusedWithTheRightStatus(String name, String stream, int status, boolean inHead, String reason) {
        byte[] bytes = stream.getBytes(StandardCharsets.ISO_8859_1);
        FramingScanner scanner = new FramingScanner(8192, 65536);
        int stop = scanner.scan(bytes, 0, bytes.length);
        FramingViolation violation = scanner.violation();
        assertEquals(status, violation.status(), violation.toString());
        assertEquals(inHead, violation.inHead());
        assertTrue(violation.reason().contains(reason), violation.reason());
        assertTrue(stop < bytes.length, "cut before the end");
        if (inHead && status != 414 && status != 431) {
            String passed = stream.substring(0, stop);
            assertFalse(passed.endsWith("\r\n\r\n") || passed.endsWith("\n\n"),
                    "a refused head is never passed on complete");
        }
        // Nothing after the cut is ever accepted: a pipelined request behind it is never passed on.
        if (stop + 1 < bytes.length) {
            assertEquals(stop + 1, scanner.scan(bytes, stop + 1, bytes.length));
        }
    }

    @Test
    void theLargestChunkSizeIsAcceptedAndOneMoreIsRefusedAtTheDigitThatCrossesIt() {
        String chunkedHead = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
        byte[] largest = (chunkedHead + "ffffffffff\r\nabc").getBytes(StandardCharsets.ISO_8859_1);
        FramingScanner accepting = new FramingScanner(8192, 65536);
        assertEquals(largest.length, accepting.scan(largest, 0, largest.length));
        assertTrue(accepting.inBody());
        byte[] above = (chunkedHead + "10000000000\r\n").getBytes(StandardCharsets.ISO_8859_1);
        FramingScanner refusing = new FramingScanner(8192, 65536);
        assertEquals(chunkedHead.length() + 10, refusing.scan(above, 0, above.length),
                "cut at the eleventh digit: the server's parser never gets a size it cannot hold");
    }

    /** The bound must fit the count bits of Undertow's ChunkReader (its upper bits are flags). */
    @Test
    void theChunkSizeBoundFitsUndertowsChunkCounter() throws ReflectiveOperationException {
        Field mask = Class.forName("io.undertow.conduits.ChunkReader").getDeclaredField("MASK_COUNT");
        mask.setAccessible(true);
        long undertowMax = mask.getLong(null);
        assertEquals(0, FramingScanner.MAX_CHUNK_SIZE & ~undertowMax, "bound has bits outside Undertow's counter");
        assertTrue(FramingScanner.MAX_CHUNK_SIZE < undertowMax);
    }

    @Test
    void bodiesAboveTheLimitAre413() {
        FramingScanner announced = new FramingScanner(8192, 65536, 1000);
        byte[] head = "POST /echo HTTP/1.1\r\nContent-Length: 1001\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        announced.scan(head, 0, head.length);
        assertEquals(new FramingViolation(413, "Content-Length 1001 larger than the limit of 1000 bytes", true),
                announced.violation());
        FramingScanner counted = new FramingScanner(8192, 65536, 1000);
        byte[] chunks = ("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" + "x".repeat(1000)
                + "\r\n1\r\n").getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(chunks.length - 3, counted.scan(chunks, 0, chunks.length));
        assertEquals(new FramingViolation(413, "chunked body larger than the limit of 1000 bytes", false),
                counted.violation());
        FramingScanner exact = new FramingScanner(8192, 65536, 1000);
        byte[] fits = ("POST /echo HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(1000))
                .getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(fits.length, exact.scan(fits, 0, fits.length));
        assertNull(exact.violation());
    }

    @Test
    void aFailedScannerRefusesEverythingAfterwards() {
        FramingScanner scanner = new FramingScanner(8192, 65536);
        byte[] bad = "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        int stop = scanner.scan(bad, 0, bad.length);
        byte[] good = GET.getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(0, scanner.scan(good, 0, good.length), "no byte passes once the stream is refused");
        assertEquals(bad.length - 1, stop, "cut at the head's last byte");
    }

    /**
     * The head scanner skips runs of bytes with no framing meaning eight bytes at a time (in
     * place, heap or direct, in the buffer's byte order). How the bytes arrive must not change the
     * verdict: the same stream whole from a heap array, whole from a direct buffer, from a
     * little-endian slice of a heap buffer, one byte at a time (no run long enough for a word) and
     * in random pieces gives the same stop offset and the same violation.
     * Streams: H2O's fuzz corpus (1,972 requests, many malformed) and generated heads with long
     * targets and values, under small limits so that both limits are crossed inside a run.
     */
    @Test
    void theVerdictDoesNotDependOnHowTheBytesArrive() throws IOException {
        List<byte[]> streams = new ArrayList<>(generatedHeads());
        Path corpus = CorpusReplayTest.corpora().resolve("h2o-http1/http1-corpus");
        try (Stream<Path> files = Files.list(corpus)) {
            for (Path file : files.sorted().toList()) {
                streams.add(Files.readAllBytes(file));
            }
        }
        assertTrue(streams.size() > 2000, "the corpus went missing: " + streams.size() + " streams");
        Random random = new Random(42);
        int refused = 0;
        for (int[] limits : new int[][] {{8192, 65536}, {40, 120}, {13, 300}}) {
            for (byte[] stream : streams) {
                String what = limits[0] + "/" + limits[1] + " " + new String(stream, 0, Math.min(60, stream.length),
                        StandardCharsets.ISO_8859_1);
                FramingScanner whole = new FramingScanner(limits[0], limits[1]);
                int stop = whole.scan(stream, 0, stream.length);
                FramingViolation violation = whole.violation();
                refused += violation == null ? 0 : 1;

                FramingScanner direct = new FramingScanner(limits[0], limits[1]);
                ByteBuffer buffer = ByteBuffer.allocateDirect(stream.length + 3).position(3);
                buffer.put(stream);
                assertEquals(stop + 3, direct.scan(buffer, 3, stream.length + 3), what);
                assertEquals(violation, direct.violation(), what);

                FramingScanner littleEndian = new FramingScanner(limits[0], limits[1]);
                ByteBuffer slice = ByteBuffer.allocate(stream.length + 8).position(5).slice().order(ByteOrder.LITTLE_ENDIAN);
                slice.put(stream);
                assertEquals(stop, littleEndian.scan(slice, 0, stream.length), "little-endian heap slice: " + what);
                assertEquals(violation, littleEndian.violation(), what);

                assertEquals(stop, inPieces(new FramingScanner(limits[0], limits[1]), stream, () -> 1, violation),
                        "byte by byte: " + what);
                assertEquals(stop, inPieces(new FramingScanner(limits[0], limits[1]), stream,
                        () -> 1 + random.nextInt(300), violation), "random pieces: " + what);
            }
        }
        assertTrue(refused > 1000, "the streams exercise refusals: " + refused);
    }

    /** Feeds {@code stream} in pieces from a direct buffer; returns where the scanner stopped. */
    private static int inPieces(FramingScanner scanner, byte[] stream, IntSupplier piece,
                                FramingViolation expected) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(stream.length).put(stream);
        int at = 0;
        while (at < stream.length) {
            int to = Math.min(stream.length, at + piece.getAsInt());
            int stop = scanner.scan(buffer, at, to);
            if (stop != to) {
                assertEquals(expected, scanner.violation());
                return stop;
            }
            at = to;
        }
        assertEquals(expected, scanner.violation());
        return stream.length;
    }

    private static List<byte[]> generatedHeads() {
        Random random = new Random(7);
        List<byte[]> heads = new ArrayList<>();
        String[] names = {"Host", "Content-Length", "content-length", "Transfer-Encoding", "X-Long", "Cookie",
            "Content-Lengthy", "Transfer-Encodin"};
        String[] values = {"t", "5", " 12 ", "chunked", "gzip, chunked", "x".repeat(200), "a=b; c=d".repeat(20), ""};
        for (int n = 0; n < 400; n++) {
            StringBuilder head = new StringBuilder(random.nextBoolean() ? "GET" : "POST").append(' ')
                    .append('/').append("p".repeat(random.nextInt(60))).append(random.nextInt(4) == 0 ? " HTTP/1.0" : " HTTP/1.1");
            String eol = random.nextInt(5) == 0 ? "\n" : "\r\n";
            head.append(eol);
            for (int h = random.nextInt(6); h > 0; h--) {
                head.append(names[random.nextInt(names.length)]).append(':').append(values[random.nextInt(values.length)])
                        .append(eol);
            }
            head.append(eol);
            if (head.indexOf("chunked") >= 0 && random.nextBoolean()) {
                head.append("5\r\nhello\r\n0\r\n\r\n");
            }
            heads.add(head.append(GET).toString().getBytes(StandardCharsets.ISO_8859_1));
        }
        return heads;
    }
}
