package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.server.connection.ConnectionSummary;
import io.mpool.server.demo.Routes;
import io.mpool.testing.Await;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The demo application's {@code --static-dir}: files under /static/, byte for byte, through each connection's pool. */
class StaticDirTest {
    private static final byte[] SMALL = "small file\n".repeat(100).getBytes(StandardCharsets.US_ASCII);
    /** Past Routes.STATIC_TRANSFER_MIN_SIZE: sent from the file, not through pool buffers. */
    private static final byte[] LARGE = "large file\n".repeat(20_000).getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config, ignored -> new Routes(files()));

    private static Path files() {
        try {
            Files.write(dir.resolve("small.txt"), SMALL);
            Files.write(dir.resolve("large.txt"), LARGE);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void filesBelowAndAboveTheTransferSizeComeBackByteForByteAndTheOtherRoutesStay() throws IOException {
        assertTrue(LARGE.length > Routes.STATIC_TRANSFER_MIN_SIZE);
        try (RawHttp http = fixture.connect()) {
            assertArrayEquals(SMALL, http.exchange(RawHttp.get("/static/small.txt")).body());
            assertArrayEquals(LARGE, http.exchange(RawHttp.get("/static/large.txt")).body());
            RawHttp.Response head = http.send("HEAD /static/large.txt HTTP/1.1\r\nHost: t\r\n\r\n").readHead();
            assertEquals(200, head.status());
            assertEquals(String.valueOf(LARGE.length), head.header("Content-Length"));
            assertEquals(404, http.exchange(RawHttp.get("/static/missing.txt")).status());
            assertEquals(405, http.exchange(RawHttp.post("/static/small.txt", "a/b", new byte[1])).status());
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
        }
    }

    /**
     * A file larger than a pool buffer goes out behind its head by sendfile alone: a connection
     * that fetched it holds what one that fetched {@code /hello} holds (its node and the block its
     * response head was written from), not a second block for the file's first 16 KiB, which
     * Undertow's transfer reads into a buffer of its own before the head is out. Three requests
     * each: a connection keeps from its second request on the blocks its responses need at once.
     */
    @Test
    void aFileLargerThanABufferLeavesItsConnectionHoldingWhatAHelloLeaves() throws IOException {
        assertTrue(LARGE.length > 16 * 1024, "larger than the fixture's pool buffers (the default, 16 KiB)");
        long afterHello = bytesHeldAfterThree("/hello", "hello\n".getBytes(StandardCharsets.US_ASCII));
        long afterLarge = bytesHeldAfterThree("/static/large.txt", LARGE);
        assertEquals(afterHello, afterLarge, "arena bytes a connection holds after three responses: /hello"
                + " against a file of " + LARGE.length + " bytes");
    }

    /**
     * A file the socket cannot take at once: the transfer waits for the client to read, goes on
     * when it does, and ends the exchange; the bytes are the file's and the connection serves on.
     */
    @Test
    void aLargeFileToAClientThatStopsReadingGoesOnWhenItReads() throws IOException {
        // Past what the server's send buffer (at most tcp_wmem's maximum) and the client's small receive buffer hold.
        String[] tcpWmem = Files.readAllLines(Path.of("/proc/sys/net/ipv4/tcp_wmem")).get(0).trim().split("\\s+");
        long sendBufferMax = Long.parseLong(tcpWmem[2]); // min, default, max
        byte[] huge = new byte[(int) Math.min(2 * sendBufferMax + (1 << 20), 64 << 20)];
        for (int i = 0; i < huge.length; i++) {
            huge[i] = (byte) (i * 31 + (i >>> 13));
        }
        Files.write(dir.resolve("huge.bin"), huge);
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(64 * 1024); // before connecting: the window it offers stays small
            socket.connect(new InetSocketAddress("127.0.0.1", fixture.port()), 5_000);
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(RawHttp.get("/static/huge.bin"));
            Await.until("the server's socket to the client to be full", ServerFixture.SETTLE,
                    () -> TcpState.of(fixture.port(), socket.getLocalPort()), s -> s != null && s.peerWindowClosed());
            InputStream in = new BufferedInputStream(socket.getInputStream());
            RawHttp.Response response = RawHttp.readResponse(in);
            assertEquals(200, response.status());
            assertArrayEquals(huge, response.body());
            socket.getOutputStream().write(RawHttp.get("/hello"));
            assertEquals("hello\n", RawHttp.readResponse(in).text());
        }
    }

    /** Three GETs of {@code path} on one connection, each byte for byte; then its arena bytes, its last request ended. */
    private long bytesHeldAfterThree(String path, byte[] body) throws IOException {
        try (RawHttp http = fixture.connect()) {
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(body, http.exchange(RawHttp.get(path)).body());
            }
            ConnectionSummary summary = Await.until("the third request's reset on the server", ServerFixture.SETTLE,
                    () -> fixture.server().registry().pools().stream().map(ConnectionBufferPool::summary)
                            .filter(s -> s.remote().endsWith(":" + http.localPort())).findFirst().orElse(null),
                    s -> s != null && s.resets() == 3 && s.openBuffers() == 0);
            return summary.bytesReserved();
        }
    }

    @Test
    void aDirectoryThatIsNotThereIsRefusedNamingTheFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Routes(dir.resolve("missing")));
        assertEquals("--static-dir=" + dir.resolve("missing") + " (expected: an existing, readable directory)",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Routes(dir.resolve("small.txt")), "a file is no directory");
    }
}
