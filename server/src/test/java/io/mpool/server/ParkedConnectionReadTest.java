package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.connection.Connection;
import io.mpool.server.connection.ParkedConnections;
import io.mpool.server.transport.HttpConnections;
import io.mpool.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A parked keep-alive connection whose Undertow side went reads its next bytes itself before it
 * builds Undertow's connection again. Its client's close (a FIN, a reset; over TLS a close_notify,
 * a FIN, a reset) tears it down with no Undertow connection built: the registry forgets it and its
 * pages come back. Bytes get one new Undertow connection, which parses them as read: a request, a
 * pipelined pair, one head split across two reads, over TLS too, each answered byte for byte. What
 * is counted: the Undertow connections the listeners' HTTP/1.1 set-up has built
 * ({@code HttpConnections.opened()}). The periodic sweep is stopped; the tests sweep by hand.
 */
class ParkedConnectionReadTest {
    private static final byte[] HELLO = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** A body with every byte value, so that an echo shows each byte came through once and in order. */
    private static final byte[] BODY = everyByteValue(700);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture().withTls(TestCertificates.rsa().listener(Duration.ofSeconds(10)));

    @BeforeEach
    void withoutTheSweep() {
        fixture.server().stopSweeping();
    }

    @ParameterizedTest
    @EnumSource(PeerCloseTeardownTest.ClientClose.class)
    void parkedConnectionsTheirClientsCloseAreTornDownWithoutBuildingUndertowsConnection(
            PeerCloseTeardownTest.ClientClose close) throws Exception {
        int count = 20;
        long before = fixture.outstandingBlocks();
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Socket socket = RawHttp.socket(fixture.port(), 10_000);
                sockets.add(socket);
                socket.getOutputStream().write(HELLO);
                assertEquals(200, RawHttp.readResponse(socket.getInputStream()).status());
            }
            HttpConnections http = allReleased(count);
            long built = http.opened();
            for (Socket socket : sockets) {
                close.close(socket);
            }
            fixture.awaitTornDown(before, count + " parked connections closed by their clients (" + close + ")");
            assertEquals(built, http.opened(), "Undertow connections built for the clients' closes");
        } finally {
            for (Socket socket : sockets) {
                socket.close(); // a no-op once closed above
            }
        }
    }

    @ParameterizedTest
    @EnumSource(PeerCloseTeardownTest.TlsClose.class)
    void parkedTlsConnectionsTheirClientsCloseAreTornDownWithoutBuildingUndertowsConnection(
            PeerCloseTeardownTest.TlsClose close) throws Exception {
        int count = 5;
        long before = fixture.outstandingBlocks();
        List<SSLSocket> sockets = new ArrayList<>();
        List<Socket> raws = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Socket raw = new Socket();
                raws.add(raw);
                SSLSocket socket = tlsSocket(raw);
                sockets.add(socket);
                assertHello(socket);
            }
            HttpConnections http = allReleased(count);
            long built = http.opened();
            for (int i = 0; i < count; i++) {
                close.close(sockets.get(i), raws.get(i));
            }
            fixture.awaitTornDown(before, count + " parked TLS connections closed by their clients (" + close + ")");
            assertEquals(built, http.opened(), "Undertow connections built for the TLS clients' closes");
        } finally {
            for (Socket raw : raws) {
                raw.close(); // a no-op once closed above
            }
        }
    }

    @Test
    void aRequestOnAParkedConnectionIsEchoedByteForByteOnOneNewUndertowConnection() throws Exception {
        try (RawHttp client = fixture.connect()) {
            assertEquals(200, client.exchange(HELLO).status());
            HttpConnections http = allReleased(1);
            long built = http.opened();
            RawHttp.Response echoed = client.exchange(RawHttp.post("/echo", "application/octet-stream", BODY));
            assertEquals(200, echoed.status());
            assertArrayEquals(BODY, echoed.body(), "the body echoed byte for byte");
            assertEquals(built + 1, http.opened(), "one Undertow connection for the parked connection's bytes");
        }
    }

    @Test
    void aPipelinedPairOnAParkedConnectionIsAnsweredInOrderByteForByte() throws Exception {
        try (RawHttp client = fixture.connect()) {
            assertEquals(200, client.exchange(HELLO).status());
            HttpConnections http = allReleased(1);
            long built = http.opened();
            byte[] second = Arrays.copyOfRange(BODY, 100, 300);
            client.send(RawHttp.concat(RawHttp.post("/echo", "application/octet-stream", BODY),
                    RawHttp.post("/echo", "application/octet-stream", second)));
            assertArrayEquals(BODY, client.read().body(), "the first body echoed byte for byte");
            assertArrayEquals(second, client.read().body(), "the second body echoed byte for byte");
            assertEquals(built + 1, http.opened(), "one Undertow connection for both");
            assertEquals("hello\n", client.exchange(HELLO).text(), "and the connection kept alive");
        }
    }

    /**
     * The first part of a head is read (and handed to a new Undertow connection) before the rest is
     * sent: the two parts come in two reads, the first through the parked connection's own.
     */
    @Test
    void aHeadSplitAcrossTwoReadsOnAParkedConnectionIsAnswered() throws Exception {
        byte[] request = RawHttp.post("/echo", "application/octet-stream", BODY);
        int split = 30; // inside the head: "POST /echo HTTP/1.1\r\nHost: te"
        try (RawHttp client = fixture.connect()) {
            assertEquals(200, client.exchange(HELLO).status());
            HttpConnections http = allReleased(1);
            long built = http.opened();
            client.send(Arrays.copyOfRange(request, 0, split));
            Await.until("the head's first part read, and Undertow's connection built for it", ServerFixture.SETTLE,
                    http::opened, opened -> opened == built + 1);
            client.send(Arrays.copyOfRange(request, split, request.length));
            RawHttp.Response echoed = client.read();
            assertEquals(200, echoed.status());
            assertArrayEquals(BODY, echoed.body(), "the body echoed byte for byte");
            assertEquals(built + 1, http.opened(), "one Undertow connection for both reads");
        }
    }

    /** Empty lines before a request line are dropped by the framing check: nothing to build a connection for yet. */
    @Test
    void emptyLinesOnAParkedConnectionKeepItParkedUntilItsRequestComes() throws Exception {
        try (RawHttp client = fixture.connect()) {
            assertEquals(200, client.exchange(HELLO).status());
            HttpConnections http = allReleased(1);
            long built = http.opened();
            client.send("\r\n\r\n");
            Await.until("the empty lines read by the server", ServerFixture.SETTLE,
                    () -> TcpState.of(fixture.port(), client.localPort()), server -> server != null && server.rxQueue() == 0);
            Connection connection = fixture.registry().connections().get(0);
            ParkedConnections.awaitIoThread(connection); // done with the read of them
            assertEquals(built, http.opened(), "no Undertow connection for empty lines");
            assertTrue(ParkedConnections.released(connection), "still parked");
            assertEquals("hello\n", client.exchange(HELLO).text());
            assertEquals(built + 1, http.opened(), "one Undertow connection for the request");
        }
    }

    @Test
    void aRequestOnAParkedTlsConnectionIsEchoedByteForByte() throws Exception {
        try (Socket raw = new Socket(); SSLSocket socket = tlsSocket(raw)) {
            assertHello(socket);
            HttpConnections http = allReleased(1);
            long built = http.opened();
            socket.getOutputStream().write(RawHttp.post("/echo", "application/octet-stream", BODY));
            socket.getOutputStream().flush();
            RawHttp.Response echoed = RawHttp.readResponse(socket.getInputStream());
            assertEquals(200, echoed.status());
            assertArrayEquals(BODY, echoed.body(), "the body echoed byte for byte");
            assertEquals(built + 1, http.opened(), "one Undertow connection for the parked connection's bytes");
        }
    }

    private SSLSocket tlsSocket(Socket raw) throws IOException, GeneralSecurityException {
        int port = fixture.server().tlsPort();
        raw.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return TestCertificates.rsa().client().over(raw, port, 10_000);
    }

    private static void assertHello(SSLSocket socket) throws IOException {
        socket.getOutputStream().write(HELLO);
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        while (!answer.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\nhello\n")) {
            int b = in.read();
            assertTrue(b >= 0, "closed mid-answer: " + answer);
            answer.write(b);
        }
    }

    /**
     * Sweeps by hand until each of the {@code count} connections has ended its request, given its
     * memory back and let its Undertow side go; returns their listeners' HTTP/1.1 set-up.
     */
    private HttpConnections allReleased(int count) {
        long[] clock = {System.nanoTime()};
        List<Connection> connections = Await.until(count + " connections parked, their Undertow side let go",
                ServerFixture.SETTLE, () -> {
                    fixture.registry().sweep(clock[0]++);
                    return fixture.registry().connections();
                }, live -> live.size() == count && live.stream().allMatch(ParkedConnections::released));
        return ParkedConnections.http(connections.get(0));
    }



    private static byte[] everyByteValue(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }
}
