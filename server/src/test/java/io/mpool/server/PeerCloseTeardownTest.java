package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.connection.Connection;
import io.mpool.testing.Await;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A connection its client closes is torn down when the close arrives, as nginx frees a connection
 * in the read handler that sees end of stream: the registry forgets it and every page it took is
 * back in the arena, with no sweep run (the sweep's check for sockets closed behind the server's
 * back is a backstop, not how a close is seen). One test per state the close finds the connection
 * in: keep-alive between requests before any sweep saw it; parked by the sweep (run by hand here)
 * with Undertow's side let go; over TLS, parked or not; HTTP/2 idle; HTTP/2 with a stream running;
 * and many of them together. The client ends with a FIN or a reset (SO_LINGER 0), over TLS with or
 * without its close_notify, over HTTP/2 with or without GOAWAY. Any of them that waited for the
 * sweep would fail here: the periodic sweep is stopped for these tests.
 */
class PeerCloseTeardownTest {
    private static final byte[] HELLO = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture().withTls(TestCertificates.rsa().listener(Duration.ofSeconds(10)));

    /** How the client ends the connection. */
    enum ClientClose {
        /** close(): a FIN. */
        FIN,
        /** SO_LINGER 0, then close(): a reset. */
        RESET;

        void close(Socket socket) throws IOException {
            if (this == RESET) {
                socket.setSoLinger(true, 0);
            }
            socket.close();
        }
    }

    /** How a TLS client ends the connection. */
    enum TlsClose {
        /** close_notify, then a FIN. */
        CLOSE_NOTIFY,
        /** A FIN with no close_notify before it. */
        FIN,
        /** A reset, no close_notify. */
        RESET;

        void close(SSLSocket tls, Socket raw) throws IOException {
            switch (this) {
                case CLOSE_NOTIFY -> tls.close();
                case FIN -> raw.close();
                case RESET -> ClientClose.RESET.close(raw);
                default -> throw new IllegalStateException(name());
            }
        }
    }

    /** How an HTTP/2 client ends the connection. */
    enum Http2Close {
        /** GOAWAY NO_ERROR, then a FIN (a polite client: h2load, browsers). */
        GOAWAY,
        /** A FIN, no GOAWAY. */
        FIN,
        /** A reset, no GOAWAY. */
        RESET;

        void close(H2Frames h2) throws IOException {
            if (this == GOAWAY) {
                h2.frame(H2Frames.GOAWAY, 0, 0, new byte[8]); // last stream 0, NO_ERROR
            }
            (this == RESET ? ClientClose.RESET : ClientClose.FIN).close(h2.socket());
        }
    }

    /** No sweep runs during these tests unless one runs it by hand: the close alone must tear down. */
    @BeforeEach
    void withoutTheSweep() {
        fixture.server().stopSweeping();
    }

    @ParameterizedTest
    @EnumSource(ClientClose.class)
    void aKeepAliveConnectionItsClientClosesBetweenRequestsIsTornDownAtOnce(ClientClose close) throws Exception {
        long before = fixture.outstandingBlocks();
        long orphansBefore = fixture.server().totals().orphanedBuffersReclaimed();
        Socket socket = RawHttp.socket(fixture.port(), 10_000);
        servedOnce(socket);
        close.close(socket);
        fixture.awaitTornDown(before, "a keep-alive connection closed by its client between requests");
        // Undertow's read listener sees the end in the buffer it took for the next head, closes the
        // connection and closes that buffer after: nothing is left for the pool to take back. Taken
        // back at once, inside the close, the buffer went to its next holder while Undertow still had it.
        assertEquals(orphansBefore, fixture.server().totals().orphanedBuffersReclaimed(),
                "buffers taken back from Undertow at the close (it was still using them)");
    }

    @ParameterizedTest
    @EnumSource(ClientClose.class)
    void aParkedConnectionItsClientClosesIsTornDownAtOnce(ClientClose close) throws Exception {
        long before = fixture.outstandingBlocks();
        Socket socket = RawHttp.socket(fixture.port(), 10_000);
        sweptIdle(servedOnce(socket));
        close.close(socket);
        fixture.awaitTornDown(before, "a parked connection closed by its client");
    }

    @ParameterizedTest
    @EnumSource(TlsClose.class)
    void aTlsConnectionItsClientClosesIsTornDownAtOnce(TlsClose close) throws Exception {
        tlsConnectionClosedByItsClient(close, false);
    }

    @ParameterizedTest
    @EnumSource(TlsClose.class)
    void aParkedTlsConnectionItsClientClosesIsTornDownAtOnce(TlsClose close) throws Exception {
        tlsConnectionClosedByItsClient(close, true);
    }

    private void tlsConnectionClosedByItsClient(TlsClose close, boolean parked) throws Exception {
        long before = fixture.outstandingBlocks();
        Socket raw = RawHttp.socket(fixture.server().tlsPort(), 10_000);
        SSLSocket socket = TestCertificates.rsa().client().over(raw, fixture.server().tlsPort(), 10_000);
        Connection connection = servedOnceOverTls(socket);
        if (parked) {
            sweptIdle(connection);
        }
        close.close(socket, raw);
        fixture.awaitTornDown(before, (parked ? "a parked" : "a") + " TLS connection closed by its client (" + close + ")");
    }

    @ParameterizedTest
    @EnumSource(Http2Close.class)
    void anIdleHttp2ConnectionItsClientClosesIsTornDownAtOnce(Http2Close close) throws Exception {
        long before = fixture.outstandingBlocks();
        H2Frames h2 = new H2Frames(fixture.port(), 10_000);
        try {
            h2.headers(1, H2Frames.requestHeaders("GET", "/hello"), true);
            assertEquals("hello\n", new String(h2.response(1).body(), StandardCharsets.US_ASCII));
            Connection connection = only();
            Await.until("the stream's end on the server", ServerFixture.SETTLE, connection::requestRunning,
                    running -> !running);
        } finally {
            close.close(h2);
        }
        fixture.awaitTornDown(before, "an idle HTTP/2 connection closed by its client (" + close + ")");
    }

    @ParameterizedTest
    @EnumSource(Http2Close.class)
    void anHttp2ConnectionItsClientClosesWhileAStreamRunsIsTornDownAtOnce(Http2Close close) throws Exception {
        long before = fixture.outstandingBlocks();
        H2Frames h2 = new H2Frames(fixture.port(), 10_000);
        try {
            h2.headers(1, H2Frames.requestHeaders("POST", "/echo", "content-length", "100"), false);
            h2.data(1, new byte[10], false); // 90 bytes of the body still to come
            Await.until("the stream running on the server", ServerFixture.SETTLE, fixture.registry()::connections,
                    connections -> connections.size() == 1 && connections.get(0).requestRunning());
        } finally {
            close.close(h2);
        }
        fixture.awaitTornDown(before, "an HTTP/2 connection closed by its client while a stream runs (" + close + ")");
    }

    /**
     * Many at once, as a load generator ends its run: 200 keep-alive connections, each served a
     * request, half of them parked by a sweep run by hand, and 200 idle HTTP/2 ones, all closed
     * by their clients together.
     */
    @ParameterizedTest
    @EnumSource(ClientClose.class)
    void manyConnectionsTheirClientsCloseTogetherAreTornDownWithoutASweep(ClientClose close) throws Exception {
        int count = 200;
        long before = fixture.outstandingBlocks();
        List<Socket> sockets = new ArrayList<>();
        List<H2Frames> h2 = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Socket socket = RawHttp.socket(fixture.port(), 10_000);
                sockets.add(socket);
                socket.getOutputStream().write(HELLO);
                assertEquals(200, RawHttp.readResponse(socket.getInputStream()).status());
                if (i == count / 2) {
                    long now = System.nanoTime();
                    fixture.registry().sweep(now);
                    fixture.registry().sweep(now + 1); // the first half idle: parked
                }
            }
            for (int i = 0; i < count; i++) {
                H2Frames client = new H2Frames(fixture.port(), 10_000);
                h2.add(client);
                client.headers(1, H2Frames.requestHeaders("GET", "/hello"), true);
                assertEquals("hello\n", new String(client.response(1).body(), StandardCharsets.US_ASCII));
            }
            Await.until("every request's end on the server", ServerFixture.SETTLE, fixture.registry()::connections,
                    connections -> connections.size() == 2 * count
                            && connections.stream().noneMatch(Connection::requestRunning));
        } finally {
            for (Socket socket : sockets) {
                close.close(socket);
            }
            for (H2Frames client : h2) {
                close.close(client.socket());
            }
        }
        fixture.awaitTornDown(before, count + " HTTP/1.1 and " + count + " HTTP/2 connections closed by their clients");
    }

    /** Serves one {@code GET /hello} on {@code socket} and waits for the request's end on the server. */
    private Connection servedOnce(Socket socket) throws IOException {
        socket.getOutputStream().write(HELLO);
        assertEquals(200, RawHttp.readResponse(socket.getInputStream()).status());
        Connection connection = only();
        Await.until("the request's end on the server", ServerFixture.SETTLE, () -> connection.pool().summary().resets(),
                resets -> resets == 1);
        return connection;
    }

    /**
     * Sweeps by hand until the connection is idle: the first sweep notes the request, a later one
     * finds nothing open (over TLS the engine may still hold a packet buffer at the first ones) and
     * gives its memory back and parks it (Undertow's read listener and then its connection let go,
     * on the IO thread, with the framing scanner).
     */
    private void sweptIdle(Connection connection) {
        long[] clock = {System.nanoTime()};
        Await.until("the idle connection parked, its memory given back", ServerFixture.SETTLE, () -> {
            fixture.registry().sweep(clock[0]++);
            return connection.holdsFramingScanner() + " " + connection.pool().summary();
        }, seen -> !connection.holdsFramingScanner() && connection.pool().summary().bytesReserved() == 0);
    }

    private Connection servedOnceOverTls(SSLSocket socket) throws IOException {
        String answer = TlsClient.hello(socket);
        assertTrue(answer.endsWith("\r\n\r\nhello\n"), answer);
        Connection connection = only();
        Await.until("the request's end on the server", ServerFixture.SETTLE, () -> connection.pool().summary().resets(),
                resets -> resets == 1);
        return connection;
    }

    private Connection only() {
        List<Connection> connections = fixture.registry().connections();
        assertEquals(1, connections.size(), "one connection");
        return connections.get(0);
    }


}
