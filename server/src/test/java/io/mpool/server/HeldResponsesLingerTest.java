package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A refusal that must wait for pipelined responses the socket will not take yet: the client
 * pipelines {@code GET /test/fill-socket} ({@link SocketFillingRoute}: its answer fills the
 * socket and its tail stays in Undertow's pipelining buffer) and a chunked POST whose body turns
 * out malformed after 64 KB, and reads nothing. The 400 must not overtake the held tail, and the
 * server cannot write the tail while the client's window is closed: the lingering close tries again
 * until it goes, then answers. Once the client reads it gets the whole answer, then the 400, then
 * an orderly close.
 */
class HeldResponsesLingerTest {
    private static final int VALID_BODY_BYTES = 64 * 1024;

    private final SocketFillingRoute route = new SocketFillingRoute();

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(UnaryOperator.identity(), route);

    @RepeatedTest(3)
    void aRefusedBodyWaitsForTheHeldResponsesAndComesAfterThem() throws Exception {
        String refusedPost = "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(VALID_BODY_BYTES) + "\r\n" + "b".repeat(VALID_BODY_BYTES) + "\r\n"
                + "zz\r\n"; // not a chunk size: refused 400 once the server reads this far
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096); // before connecting: a small window
            socket.connect(new InetSocketAddress("127.0.0.1", fixture.port()), 5_000);
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("GET " + SocketFillingRoute.PATH + " HTTP/1.1\r\nHost: t\r\n\r\n"
                    + refusedPost).getBytes(StandardCharsets.US_ASCII));
            long answerBytes = route.filled.get(10, TimeUnit.SECONDS);
            Await.until("the refusal of the malformed body", ServerFixture.SETTLE,
                    () -> fixture.server().stats().framingRefusals(), refusals -> refusals == 1);
            Await.until("the held answer to find the socket full", ServerFixture.SETTLE,
                    () -> TcpState.of(fixture.port(), socket.getLocalPort()), s -> s != null && s.peerWindowClosed());

            Received received = readAll(socket.getInputStream()); // within the lingering close's 2 s
            String text = received.text();
            assertTrue(text.startsWith("HTTP/1.1 200 "), text.substring(0, Math.min(200, text.length())));
            int bodyStart = text.indexOf("\r\n\r\n") + 4;
            int[] end = new int[1];
            long chunked = chunkedBodyBytes(text, bodyStart, end);
            assertEquals(answerBytes, chunked, "the whole answer arrives, its held tail included; ended by "
                    + received.ending() + " after " + text.length() + " bytes");
            String after = text.substring(end[0]);
            assertTrue(after.startsWith("HTTP/1.1 400 "), "then the refusal: " + after);
            assertEquals("end of stream", received.ending(), "then an orderly close");
        }
    }

    /** The data bytes of a chunked body starting at {@code from}; {@code end[0]} is set past its last chunk. */
    private static long chunkedBodyBytes(String text, int from, int[] end) {
        long total = 0;
        int at = from;
        while (true) {
            int lineEnd = text.indexOf("\r\n", at);
            if (lineEnd < 0) {
                end[0] = text.length();
                return total; // cut short
            }
            int size = Integer.parseInt(text.substring(at, lineEnd), 16);
            at = lineEnd + 2;
            if (size == 0) {
                end[0] = at + 2; // the empty trailer line
                return total;
            }
            if (at + size + 2 > text.length()) {
                end[0] = text.length();
                return total + Math.max(0, text.length() - at);
            }
            total += size;
            at += size + 2;
        }
    }

    record Received(byte[] bytes, String ending) {
        String text() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    private static Received readAll(InputStream in) {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        String ending;
        try {
            for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                received.write(buffer, 0, n);
            }
            ending = "end of stream";
        } catch (IOException e) {
            ending = e.getMessage();
        }
        return new Received(received.toByteArray(), ending);
    }
}
