package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.mempool.ArenaStats;
import io.mpool.mempool.PageArena;
import io.mpool.testing.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients that misbehave on the HTTPS listener, over real sockets: a thousand that never finish
 * their handshake (one packet buffer each, the next good client served), a TLS alert in the middle of a
 * request, a client that vanishes in the middle of a record. Each ends with every pool destroyed
 * and no arena page outstanding (the fixture checks). The handshake timeout is long here, so
 * nothing is closed by it while a test looks.
 */
class TlsBadInputTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int UNFINISHED_HANDSHAKES = 1_000;
    /** The start of a ClientHello record: content type 22, version 3.1, then nothing more. */
    private static final byte[] RECORD_HEADER_START = {0x16, 0x03, 0x01};
    /** The arena block of one packet buffer: the engine's 16,709 bytes in the 20 KB class, 5 pages. */
    private static final long PACKET_BUFFER_BLOCK = 5L * PageArena.PAGE_SIZE;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture().withTls(TestCertificates.openssl().listener(Duration.ofMinutes(5)));

    @Test
    void aThousandUnfinishedHandshakesHoldOnePacketBufferEachAndTheNextClientIsServed() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < UNFINISHED_HANDSHAKES; i++) {
                Socket socket = plainSocket();
                stalled.add(socket);
                socket.getOutputStream().write(RECORD_HEADER_START);
            }
            awaitTrue(() -> fixture.server().totals().unfinishedHeads() == UNFINISHED_HANDSHAKES,
                    "every stalled handshake is an unfinished head");
            ArenaStats held = awaitOnePacketBufferEach(UNFINISHED_HANDSHAKES);
            long bytes = held.pagesInUse() * held.pageSize() + held.largeBytesInUse();
            System.out.println("TLS handshakes stalled after 3 bytes: " + UNFINISHED_HANDSHAKES + " connections hold "
                    + bytes + " B of the arena, " + bytes / UNFINISHED_HANDSHAKES + " B each (" + held + ")");
            // The next good client is served.
            try (SSLSocket good = tlsSocket()) {
                assertTrue(TlsClient.hello(good).endsWith("hello\n"));
            }
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(UNFINISHED_HANDSHAKES, fixture.server().totals().tlsHandshakeFailures());
    }

    /**
     * The first bytes come after the server's first read found none: the handshake's own read then
     * unwraps them (Undertow's handshake path, which takes a block for the plaintext too). Until the
     * bytes come a connection holds no packet buffer; after, the one with the bytes.
     */
    @Test
    void handshakesStalledAfterTheirFirstReadHoldOnePacketBufferEach() throws Exception {
        int count = 200;
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                stalled.add(plainSocket());
            }
            Await.until("every connection accepted, none holding a packet buffer", WAIT,
                    () -> fixture.server().arena().stats(), stats -> fixture.server().registry().size() == count
                            && stats.pagesInUse() == count && stats.largeBlocksInUse() == 0);
            for (Socket socket : stalled) {
                socket.getOutputStream().write(RECORD_HEADER_START);
            }
            awaitOnePacketBufferEach(count);
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
        fixture.awaitAllPoolsDestroyed();
    }

    /**
     * Waits until each of {@code connections} stalled handshakes holds exactly one packet buffer (the
     * one with the three bytes it read; nothing per byte sent), then checks the arena: a node and
     * that block each, a 16,709-byte packet buffer being a 5-page block, not 8.
     */
    private ArenaStats awaitOnePacketBufferEach(int connections) {
        Await.until("each stalled handshake holding one packet buffer (its TLS bytes)", WAIT,
                () -> fixture.server().registry().pools().stream().map(c -> c.summary().tls().bufferBytes()).toList(),
                held -> held.size() == connections && held.stream().allMatch(b -> b == PACKET_BUFFER_BLOCK));
        ArenaStats stats = fixture.server().arena().stats();
        assertEquals(connections, stats.pagesInUse(), stats.toString());
        assertEquals(connections, stats.largeBlocksInUse(), stats.toString());
        assertEquals(PACKET_BUFFER_BLOCK * connections, stats.largeBytesInUse(), stats.toString());
        return stats;
    }

    @Test
    void aCloseNotifyInTheMiddleOfARequestBodyClosesTheConnection() throws Exception {
        try (SSLSocket socket = tlsSocket()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" + "x".repeat(50))
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitTrue(() -> fixture.server().totals().requests() == 1, "the request has started");
            socket.shutdownOutput(); // the close_notify alert, 50 body bytes short
            String answer = new String(TlsClient.readUntilClosed(socket.getInputStream()), StandardCharsets.ISO_8859_1);
            assertFalse(answer.contains(" 200 "), answer);
        }
        fixture.awaitAllPoolsDestroyed();
        assertServesTheNextClient();
    }

    @Test
    void aFatalAlertInTheMiddleOfARequestClosesTheConnection() throws Exception {
        Socket raw = plainSocket();
        try (SSLSocket socket = tlsOver(raw)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" + "x".repeat(50))
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitTrue(() -> fixture.server().totals().requests() == 1, "the request has started");
            // An alert record between the client's records, as a broken or hostile client sends it:
            // level fatal (2), handshake_failure (40).
            raw.getOutputStream().write(new byte[] {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28});
            raw.getOutputStream().flush();
            String answer = new String(TlsClient.readUntilClosed(raw.getInputStream()), StandardCharsets.ISO_8859_1);
            assertFalse(answer.contains(" 200 "), answer);
        }
        fixture.awaitAllPoolsDestroyed();
        assertServesTheNextClient();
    }

    @Test
    void aClientVanishingInTheMiddleOfARecordGivesItsBuffersBack() throws Exception {
        Socket raw = plainSocket();
        try (SSLSocket socket = tlsOver(raw)) {
            assertTrue(TlsClient.hello(socket).endsWith("hello\n"));
            // An application-data record announcing 16,000 bytes, 1,000 of them sent, then a reset:
            // the server holds the partial record in a packet buffer until the reset arrives.
            byte[] partial = new byte[5 + 1_000];
            new Random(11).nextBytes(partial);
            partial[0] = 0x17;
            partial[1] = 0x03;
            partial[2] = 0x03;
            partial[3] = (byte) (16_000 >> 8);
            partial[4] = (byte) (16_000 & 0xff);
            raw.getOutputStream().write(partial);
            raw.getOutputStream().flush();
            awaitTrue(() -> fixture.server().registry().pools().get(0).summary().tls().bufferBytes() > 0,
                    "the partial record is held in a packet buffer");
            raw.setSoLinger(true, 0);
            raw.close();
        }
        fixture.awaitAllPoolsDestroyed();
        assertServesTheNextClient();
    }

    private void assertServesTheNextClient() throws Exception {
        try (SSLSocket good = tlsSocket()) {
            assertTrue(TlsClient.hello(good).endsWith("hello\n"));
        }
        fixture.awaitAllPoolsDestroyed();
    }

    private Socket plainSocket() throws IOException {
        return RawHttp.socket(fixture.server().tlsPort(), (int) WAIT.toMillis());
    }

    private SSLSocket tlsSocket() throws IOException, GeneralSecurityException {
        return tlsOver(plainSocket());
    }

    /** TLS over {@code raw}, whose own streams stay usable for bytes beneath the records. */
    private SSLSocket tlsOver(Socket raw) throws IOException, GeneralSecurityException {
        return TestCertificates.openssl().client().over(raw, fixture.server().tlsPort(), (int) WAIT.toMillis());
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            Thread.sleep(20);
        }
    }
}
