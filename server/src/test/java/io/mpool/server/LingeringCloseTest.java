package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Lingering close over real sockets: a client still sending when its request is refused gets
 * the refusal, and everything the server wrote before it, instead of a TCP reset.
 *
 * <p>The client pipelines {@code GET /bytes/8000000} and a request that is refused, keeps writing
 * 512 KiB behind it, and only then reads. The 8 MB answer does not fit the socket buffers, so
 * when the refusal is written its tail and the refusal are still in the server's send queue. A
 * plain close with the client's bytes unread sends an RST that drops that queue: before the
 * lingering close the client got 4-6 MB and no refusal in 11 of 12 runs.
 */
class LingeringCloseTest {
    private static final int ANSWER_BYTES = 8_000_000;
    private static final int SENT_AFTER_REFUSAL = 512 * 1024;
    private static final String BIG_ANSWER = "GET /bytes/" + ANSWER_BYTES + " HTTP/1.1\r\nHost: t\r\n\r\n";

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withLimits(config.limits()
            .withMaxBody(2_000_000).withBody(0, 1)));

    @RepeatedTest(3)
    void a413ReachesAClientStillSendingItsBody() throws IOException {
        String refused = "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 4000000\r\n\r\n";
        assertFullAnswerThenRefusal(BIG_ANSWER + refused, 413);
    }

    @RepeatedTest(3)
    void a431ReachesAClientStillSendingItsHead() throws IOException {
        String refused = "GET /hello HTTP/1.1\r\nHost: t\r\nX-Pad: "; // the pad follows: 512 KiB, no end
        assertFullAnswerThenRefusal(BIG_ANSWER + refused, 431);
    }

    /** A 503 Undertow writes itself (the blocking-echo cap) closes the lingering way too. */
    @RepeatedTest(6)
    void a503FromAHandlerReachesAClientStillSendingItsBody() throws Exception {
        try (Socket holder = connect()) {
            // Takes the one blocking permit and keeps it: a body that never finishes.
            holder.getOutputStream().write("POST /echo?mode=blocking HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\nabc"
                    .getBytes(StandardCharsets.US_ASCII));
            awaitInFlight(1);
            String refused = "POST /echo?mode=blocking HTTP/1.1\r\nHost: t\r\nContent-Length: " + SENT_AFTER_REFUSAL + "\r\n\r\n";
            assertFullAnswerThenRefusal(BIG_ANSWER + refused, 503);
        }
    }

    /** A refused first request: the status arrives and the connection ends with FIN, not RST. */
    @Test
    void aRefusedUploadEndsWithTheStatusAndAnOrderlyClose() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 4000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Thread writer = new Thread(() -> writeQuietly(out, SENT_AFTER_REFUSAL));
            writer.start();
            Received received = readAll(socket.getInputStream());
            writer.join(10_000);
            assertTrue(received.text().startsWith("HTTP/1.1 413 "), received.text());
            assertEquals("end of stream", received.ending(), "an orderly close, no reset");
        }
    }

    /**
     * A refused request behind 4,000 pipelined ones whose answers (batched by Undertow) do not fit
     * the socket while the client reads nothing: once it reads, it gets every answer, then the
     * refusal, then an orderly close. (Undertow writes its batch out before it reads the refused
     * head, so this does not reach LingeringClose's retry for a batch the socket would not take:
     * HeldResponsesLingerTest does, with a body refused while a response is held.)
     */
    @RepeatedTest(2)
    void aRefusalBehindPipelinedAnswersThatFillTheSocketComesAfterAllOfThem() throws Exception {
        int pipelined = 4_000; // 4,000 answers of 2 KB: more than the socket buffers hold
        String one = "GET /bytes/2000 HTTP/1.1\r\nHost: t\r\n\r\n";
        String refused = "GET /hello HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n";
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096); // before connecting: a small window
            socket.connect(new InetSocketAddress("127.0.0.1", fixture.port()), 5_000);
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write((one.repeat(pipelined) + refused).getBytes(StandardCharsets.US_ASCII));
            // The server answers until the socket is full, then holds the rest.
            Await.until("the answers to fill the socket (the client's window closed)", Duration.ofSeconds(10),
                    () -> TcpState.of(fixture.port(), socket.getLocalPort()), s -> s != null && s.peerWindowClosed());
            Received received = readAll(socket.getInputStream());
            String text = received.text();
            int answers = 0;
            for (int at = text.indexOf("HTTP/1.1 200 "); at >= 0; at = text.indexOf("HTTP/1.1 200 ", at + 1)) {
                answers++;
            }
            int refusal = text.indexOf("HTTP/1.1 400 ");
            assertEquals(pipelined, answers, "every pipelined answer arrives; ended by " + received.ending());
            assertTrue(refusal > text.lastIndexOf("HTTP/1.1 200 "), "the 400 comes after them, not before");
            assertTrue(text.endsWith("Content-Length is not a plain number\n"), "and is the last thing sent");
            assertEquals("end of stream", received.ending(), "an orderly close");
        }
    }

    private void assertFullAnswerThenRefusal(String requests, int status) throws IOException {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(requests.getBytes(StandardCharsets.US_ASCII));
            String written = writeQuietly(out, SENT_AFTER_REFUSAL);
            Received received = readAll(socket.getInputStream());
            String text = received.text();
            int refusal = text.indexOf("HTTP/1.1 " + status + " ");
            assertTrue(refusal > ANSWER_BYTES, "the whole 8 MB answer, then the " + status + ": got "
                    + received.bytes().length + " bytes, " + (refusal < 0 ? "no refusal" : "refusal at " + refusal)
                    + ", ended by " + received.ending() + " (client writes: " + written + ")");
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", fixture.port()), 5_000);
        socket.setSoTimeout(20_000);
        return socket;
    }

    private void awaitInFlight(long count) {
        Await.until(count + " request(s) in flight", Duration.ofSeconds(10),
                () -> fixture.server().stats().inFlight(), inFlight -> inFlight == count);
    }

    /** Writes {@code bytes} filler bytes; returns how that ended (the server may refuse them). */
    private static String writeQuietly(OutputStream out, int bytes) {
        byte[] piece = new byte[16 * 1024];
        Arrays.fill(piece, (byte) 'p');
        try {
            for (int sent = 0; sent < bytes; sent += piece.length) {
                out.write(piece);
            }
            return "all written";
        } catch (IOException e) {
            return "failed: " + e.getMessage();
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
