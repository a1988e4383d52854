package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.server.connection.ConnectionSummary;
import io.mpool.testing.Await;
import io.undertow.protocols.ssl.SslConduit;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTPS listener over real sockets: the JDK's HttpClient over TLS 1.3 and 1.2 with bodies
 * around the record and buffer sizes echoed byte-exact, pipelined requests, plain HTTP and
 * random bytes sent to the TLS port, a client that stops mid-handshake, and the TLS engine's
 * buffers held in the connection's pool and given back when it is idle. After each test every
 * pool is destroyed and no arena page is outstanding (the fixture checks).
 */
class TlsListenerTest {
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture().withTls(certificates().listener(HANDSHAKE_TIMEOUT));

    private static TestCertificates certificates() {
        return TestCertificates.rsa();
    }

    private HttpClient client(String protocol) throws IOException, GeneralSecurityException {
        SSLParameters parameters = new SSLParameters();
        parameters.setProtocols(new String[] {protocol});
        return HttpClient.newBuilder().sslContext(certificates().clientContext()).sslParameters(parameters)
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private URI uri(String path) {
        return URI.create("https://localhost:" + fixture.server().tlsPort() + path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void echoesBodiesByteExactAroundRecordAndBufferSizes(String protocol) throws Exception {
        HttpClient client = client(protocol);
        Random random = new Random(42);
        for (int size : List.of(0, 1, 16_383, 16_384, 16_709, 64 * 1024, 1024 * 1024)) {
            byte[] body = new byte[size];
            random.nextBytes(body);
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(uri("/echo"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, response.statusCode(), "size " + size);
            assertArrayEquals(body, response.body(), "size " + size + " over " + protocol);
            assertEquals(protocol, response.sslSession().orElseThrow().getProtocol());
        }
        HttpResponse<String> hello = client.send(HttpRequest.newBuilder(uri("/hello")).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("hello\n", hello.body());
        assertTrue(fixture.server().totals().tlsHandshakes() >= 1, fixture.server().totals().toString());
        // Undertow wraps into a heap buffer of its own when a pool's buffer is below the packet
        // size (its SslConduit.expandedBufferPool, made on first use): never here.
        Field fallback = SslConduit.class.getDeclaredField("expandedBufferPool");
        fallback.setAccessible(true);
        assertNull(fallback.get(null), "Undertow's TLS fallback pool was used");
        // The client keeps its connection for 20 minutes: the server's stop closes it, and every
        // page is back.
        String stopped = fixture.server().stop(Duration.ofSeconds(2));
        assertTrue(stopped.contains(" pagesOutstanding=0 largeBlocksOutstanding=0 "), stopped);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.3", "1.2"})
    void curlWithTheCaCertificateGetsByteExactEchoes(String version) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        Path body = certificates().dir().resolve("body-" + version);
        byte[] bytes = new byte[16_709 + 1];
        new Random(3).nextBytes(bytes);
        Files.write(body, bytes);
        Path answer = certificates().dir().resolve("answer-" + version);
        Run curl = run("/usr/bin/curl", "-sS", "--cacert", certificates().caPem().toString(), "--tlsv" + version,
                "--tls-max", version, "--data-binary", "@" + body, "-o", answer.toString(), "-w", "%{http_code}",
                uri("/echo").toString());
        assertEquals("200", curl.out(), curl.toString());
        assertArrayEquals(bytes, Files.readAllBytes(answer));
    }

    @Test
    void clientInitiatedRenegotiationIsRefused() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        // s_client renegotiates on a line "R", then sends the request: refused, the request is
        // never answered.
        Run sClient = run("/bin/sh", "-c", "(sleep 1; printf 'R\\n'; sleep 1; printf 'GET /hello HTTP/1.1\\r\\nHost:"
                + " a\\r\\n\\r\\n'; sleep 1) | /usr/bin/openssl s_client -connect 127.0.0.1:"
                + fixture.server().tlsPort() + " -tls1_2 -CAfile " + certificates().caPem());
        assertTrue(sClient.out().contains("RENEGOTIATING"), sClient.toString());
        assertTrue(sClient.out().contains("alert handshake failure"), sClient.toString());
        assertFalse(sClient.out().contains("HTTP/1.1 200 OK"), sClient.toString());
    }

    private record Run(int exit, String out) {
    }

    private static Run run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("did not finish within " + WAIT + ": " + List.of(command));
        }
        return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void pipelinedRequestsOverTlsAreAnsweredInOrder() throws Exception {
        try (SSLSocket socket = tlsSocket()) {
            String three = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n".repeat(2)
                    + "GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(three.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertEquals(3, answers.split("HTTP/1.1 200 OK", -1).length - 1, answers);
            assertEquals(3, answers.split("hello\n", -1).length - 1, answers);
        }
    }

    @Test
    void plainHttpToTheTlsPortIsAnswered400() throws Exception {
        long failuresBefore = fixture.server().totals().tlsHandshakeFailures();
        try (Socket socket = plainSocket()) {
            socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
            assertTrue(answer.contains("The plain HTTP request was sent to HTTPS port"), answer);
        }
        awaitTotal("tlsHandshakeFailures", ServerTotals::tlsHandshakeFailures, failuresBefore + 1);
    }

    @Test
    void randomBytesToTheTlsPortAreClosed() throws Exception {
        long failuresBefore = fixture.server().totals().tlsHandshakeFailures();
        byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        noise[0] = (byte) 0x80; // not a capital letter: not taken for plain HTTP
        try (Socket socket = plainSocket()) {
            socket.getOutputStream().write(noise);
            assertClosedByServer(socket);
        }
        awaitTotal("tlsHandshakeFailures", ServerTotals::tlsHandshakeFailures, failuresBefore + 1);
    }

    @Test
    void clientStoppingMidHandshakeIsClosedAtTheHandshakeTimeout() throws Exception {
        try (Socket socket = plainSocket()) {
            awaitTotal("unfinishedHeads (the handshake counts as one)", ServerTotals::unfinishedHeads, 1);
            // The start of a ClientHello record header, then nothing.
            socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01});
            socket.getOutputStream().flush();
            socket.setSoTimeout((int) WAIT.toMillis());
            assertClosedByServer(socket);
        }
        awaitTotal("tlsHandshakeTimeouts", ServerTotals::tlsHandshakeTimeouts, 1);
        awaitTotal("tlsHandshakeFailures", ServerTotals::tlsHandshakeFailures, 1);
        assertEquals(0, fixture.server().totals().tlsHandshakes());
        awaitTotal("unfinishedHeads", ServerTotals::unfinishedHeads, 0);
    }

    @Test
    void aClientSendingItsHelloOneByteASecondIsClosedAtTheHandshakeTimeout() throws Exception {
        byte[] hello = clientHello();
        AtomicInteger sent = new AtomicInteger();
        try (Socket socket = plainSocket()) {
            // The dribble makes progress all the time: only the handshake's own limit stops it.
            Thread dribble = new Thread(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    for (byte b : hello) {
                        out.write(b);
                        out.flush();
                        sent.incrementAndGet();
                        Thread.sleep(1_000);
                    }
                } catch (IOException | InterruptedException closed) {
                    // closed by the server: the point
                }
            }, "one-byte-a-second");
            dribble.setDaemon(true);
            dribble.start();
            assertClosedByServer(socket);
            dribble.interrupt();
        }
        assertTrue(sent.get() < hello.length, sent + " of " + hello.length + " ClientHello bytes sent before the close");
        Await.until("the handshake timeout and failure counted", WAIT, () -> fixture.server().totals(),
                totals -> totals.tlsHandshakeTimeouts() == 1 && totals.tlsHandshakeFailures() == 1);
        assertEquals(0, fixture.server().totals().tlsHandshakes());
    }

    /** A client's first flight: the records of a real ClientHello. */
    private static byte[] clientHello() throws Exception {
        SSLEngine engine = certificates().clientContext().createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    @Test
    void tlsBuffersAreTheConnectionsAndGoBackWhenIdle() throws Exception {
        try (SSLSocket socket = tlsSocket()) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = TlsClient.readResponse(in);
            assertTrue(answer.endsWith("hello\n"), answer);
            ConnectionSummary summary = fixture.server().registry().pools().get(0).summary();
            assertNotNull(summary.tls(), summary.toString());
            assertEquals(socket.getSession().getProtocol(), summary.tls().protocol());
            assertEquals(socket.getSession().getCipherSuite(), summary.tls().cipherSuite());
            assertEquals("", summary.tls().alpn(), "the client offered no ALPN protocol");
            assertTrue(summary.tls().handshakeMicros() > 0, summary.toString());
            // The engine's blocks came from this connection's pool and are booked to it.
            assertTrue(summary.tls().bufferBytes() >= socket.getSession().getPacketBufferSize(), summary.toString());
            assertTrue(summary.bytesReserved() >= summary.tls().bufferBytes(), summary.toString());
            // Idle: the sweep gives everything back, TLS buffers included.
            Await.until("the idle TLS connection to hold no arena memory", WAIT,
                    () -> fixture.server().registry().pools().get(0).summary(),
                    idle -> fixture.server().arena().stats().outstandingBlocks() == 0);
            assertEquals(0, fixture.server().registry().pools().get(0).summary().tls().bufferBytes());
            // And it still serves.
            out.write("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(TlsClient.readResponse(in).endsWith("hello\n"));
        }
        ServerTotals totals = fixture.awaitAllPoolsDestroyed();
        assertEquals(0, totals.arenaRejections());
    }

    /**
     * A client that connects again with the same SSLContext resumes its session (TLS 1.3: the
     * ticket's pre-shared key; TLS 1.2: the session id): counted once, and shown on that connection
     * only; the first, full handshake is not.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void aResumedSessionIsCountedAndShownOnItsConnection(String protocol) throws Exception {
        SSLContext client = certificates().clientContext();
        try (SSLSocket full = helloOver(client, protocol)) {
            assertEquals(0, fixture.server().totals().tlsSessionsResumed(), fixture.server().totals().toString());
            try (SSLSocket resumed = helloOver(client, protocol)) {
                // The client's own view: the first connection's session, made before the second one.
                assertEquals(full.getSession().getCreationTime(), resumed.getSession().getCreationTime());
                ServerTotals totals = fixture.server().totals();
                assertEquals(2, totals.tlsHandshakes(), totals.toString());
                assertEquals(1, totals.tlsSessionsResumed(), totals.toString());
                List<Boolean> flags = fixture.server().registry().pools().stream()
                        .map(connection -> connection.summary().tls().resumed()).sorted().toList();
                assertEquals(List.of(false, true), flags);
                // The same on /admin/pools and /metrics.
                JsonNode pools = fixture.admin("/admin/pools", null).json();
                assertEquals(1, pools.path("totals").path("tlsSessionsResumed").asLong(), pools.toString());
                List<Boolean> shown = new ArrayList<>();
                pools.path("connections").forEach(row -> shown.add(row.path("tls").path("resumed").asBoolean()));
                assertEquals(List.of(false, true), shown.stream().sorted().toList(), pools.toString());
                try (RawHttp admin = new RawHttp(fixture.server().adminPort())) {
                    PrometheusText metrics = PrometheusText.parse(admin.exchange(RawHttp.get("/metrics")).text());
                    assertEquals(1, metrics.count("mpool_tls_sessions_resumed_total"));
                }
            }
        }
        fixture.awaitAllPoolsDestroyed();
    }

    /** A connection over {@code context} that has had one {@code /hello} (and with it, TLS 1.3's ticket). */
    private SSLSocket helloOver(SSLContext context, String protocol) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", fixture.server().tlsPort());
        socket.setEnabledProtocols(new String[] {protocol});
        socket.setSoTimeout((int) WAIT.toMillis());
        assertTrue(TlsClient.hello(socket).endsWith("hello\n"));
        return socket;
    }

    /** ALPN: the server's first choice the client offers (h2 before http/1.1), and none of ours is refused. */
    @Test
    void alpnPicksTheServersFirstChoiceAmongTheOfferedAndRefusesNoneOfOurs() throws Exception {
        assertEquals("h2", alpn("http/1.1", "h2"));
        assertEquals("http/1.1", alpn("spdy/3", "http/1.1"));
        long failedBefore = fixture.server().totals().tlsHandshakeFailures();
        // The server refuses with a fatal alert and closes; the client sees the alert
        // (SSLHandshakeException) or, when the close's reset arrives first, a SocketException.
        IOException refused = assertThrows(IOException.class, () -> alpn("spdy/3"));
        assertTrue(refused instanceof SSLHandshakeException || refused instanceof SocketException,
                refused.toString());
        Await.until("the refused handshake counted as failed", WAIT, () -> fixture.server().totals(),
                totals -> totals.tlsHandshakeFailures() == failedBefore + 1);
        fixture.awaitAllPoolsDestroyed();
    }

    /**
     * A client that agreed on {@code http/1.1} over ALPN and then sends HTTP/2's preface gets an
     * HTTP/1.1 answer, not HTTP/2's SETTINGS: over TLS only ALPN starts HTTP/2 (RFC 9113 3.3), so
     * the preface check does not run where ALPN decided.
     */
    @Test
    void http2PrefaceAfterAlpnAgreedOnHttp11IsReadAsHttp11() throws Exception {
        try (SSLSocket socket = (SSLSocket) certificates().clientContext().getSocketFactory().createSocket()) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"http/1.1"});
            socket.setSSLParameters(parameters);
            socket.connect(new InetSocketAddress("127.0.0.1", fixture.server().tlsPort()), 5_000);
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.startHandshake();
            assertEquals("http/1.1", socket.getApplicationProtocol());
            socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            assertEquals("HTTP/1.1 ", new String(socket.getInputStream().readNBytes(9), StandardCharsets.ISO_8859_1));
        }
        fixture.awaitAllPoolsDestroyed();
    }

    /** The protocol the server chose for a client offering {@code offered} over ALPN. */
    private String alpn(String... offered) throws IOException, GeneralSecurityException {
        try (SSLSocket socket = (SSLSocket) certificates().clientContext().getSocketFactory().createSocket()) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(offered);
            socket.setSSLParameters(parameters);
            socket.connect(new InetSocketAddress("127.0.0.1", fixture.server().tlsPort()), 5_000);
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.startHandshake();
            return socket.getApplicationProtocol();
        }
    }

    /**
     * An idle TLS connection, right after its handshake and again after a request, holds nothing
     * once the sweep has seen it idle: no packet buffer, no node, as nginx frees an idle
     * connection's buffers (the engine's own state stays on the heap).
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void anIdleTlsConnectionHoldsNoPacketBufferAndNoNodeAfterTheSweep(String protocol) throws Exception {
        SSLSocket socket = (SSLSocket) certificates().clientContext().getSocketFactory().createSocket();
        try (socket) {
            socket.setEnabledProtocols(new String[] {protocol});
            socket.connect(new InetSocketAddress("127.0.0.1", fixture.server().tlsPort()), 5_000);
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.startHandshake();
            awaitNothingHeld("after its handshake");
            assertTrue(TlsClient.hello(socket).endsWith("hello\n"));
            awaitNothingHeld("after a request");
            assertEquals(protocol, fixture.server().registry().pools().get(0).summary().tls().protocol());
        }
        fixture.awaitAllPoolsDestroyed();
    }

    /**
     * An idle TLS connection drops its emptied request pool as a plain one does: nothing the
     * connection keeps (the engine's packet-buffer tier among it) refers to that pool any more.
     */
    @Test
    void anIdleTlsConnectionKeepsNoReferenceToItsDroppedRequestPool() throws Exception {
        try (SSLSocket socket = tlsSocket()) {
            assertTrue(TlsClient.hello(socket).endsWith("hello\n"));
            Object connection = fixture.server().registry().pools().get(0);
            Field poolField = connection.getClass().getDeclaredField("pool");
            poolField.setAccessible(true);
            Object requestPool = poolField.get(connection);
            assertNotNull(requestPool, "the request's pool right after the request");
            awaitNothingHeld("after a request");
            assertNull(poolField.get(connection), "the idle connection dropped its pool");
            assertFalse(reaches(connection, requestPool), "the idle connection still refers to its dropped pool");
        }
        fixture.awaitAllPoolsDestroyed();
    }

    /**
     * An idle TLS connection drops the bookkeeping of its packet-buffer tier with its blocks (an
     * idle connection's every object is paid per connection); its next request makes it again.
     */
    @Test
    void anIdleTlsConnectionDropsItsPacketBufferTierAndMakesItAgainForTheNextRequest() throws Exception {
        try (SSLSocket socket = tlsSocket()) {
            Object connection = fixture.server().registry().pools().get(0);
            Field tlsField = connection.getClass().getSuperclass().getDeclaredField("tls"); // BufferLending
            tlsField.setAccessible(true);
            Object packetBuffers = tlsField.get(connection);
            Field blocksField = packetBuffers.getClass().getDeclaredField("blocks");
            blocksField.setAccessible(true);
            for (int request = 1; request <= 2; request++) {
                assertTrue(TlsClient.hello(socket).endsWith("hello\n"), "request " + request);
                awaitNothingHeld("after request " + request);
                Await.until("the idle connection to drop its packet-buffer tier after request " + request, WAIT,
                        () -> {
                            synchronized (connection) {
                                return blocksField.get(packetBuffers) == null;
                            }
                        }, dropped -> dropped);
            }
        }
        fixture.awaitAllPoolsDestroyed();
    }

    /**
     * Whether {@code target} is reachable from {@code from} through the fields of the server's own
     * connection-level objects (package {@code io.mpool.server.connection}: the connection's pool,
     * its buffer tiers, its TLS packet buffers), which is where a dropped pool could be kept.
     */
    private static boolean reaches(Object from, Object target) throws IllegalAccessException {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object> next = new ArrayDeque<>(List.of(from));
        while (!next.isEmpty()) {
            Object object = next.poll();
            if (object == target) {
                return true;
            }
            if (!seen.add(object) || !inConnectionPackage(object.getClass())) {
                continue;
            }
            for (Class<?> type = object.getClass(); inConnectionPackage(type); type = type.getSuperclass()) {
                for (Field field : type.getDeclaredFields()) {
                    if (!field.getType().isPrimitive() && !Modifier.isStatic(field.getModifiers())) {
                        field.setAccessible(true);
                        Object value = field.get(object);
                        if (value != null) {
                            next.add(value);
                        }
                    }
                }
            }
        }
        return false;
    }

    private static boolean inConnectionPackage(Class<?> type) {
        return type.getPackageName().equals("io.mpool.server.connection") && !type.isEnum();
    }

    private void awaitNothingHeld(String when) {
        Await.until("the idle TLS connection to hold no arena memory " + when, WAIT,
                () -> fixture.server().registry().pools().get(0).summary(),
                idle -> idle.bytesReserved() == 0 && idle.tls().bufferBytes() == 0
                        && fixture.server().arena().stats().outstandingBlocks() == 0);
    }

    private SSLSocket tlsSocket() throws IOException, GeneralSecurityException {
        return certificates().client().connect(fixture.server().tlsPort(), (int) WAIT.toMillis());
    }

    private Socket plainSocket() throws IOException {
        return RawHttp.socket(fixture.server().tlsPort(), (int) WAIT.toMillis());
    }

    /** The server closes: end of stream or a reset, never a read that times out. */
    private static void assertClosedByServer(Socket socket) throws IOException {
        TlsClient.readUntilClosed(socket.getInputStream()); // an alert, or nothing: drained until the close
    }

    /** Waits for one of the server's totals to reach {@code expected}. */
    private void awaitTotal(String what, ToLongFunction<ServerTotals> total, long expected) {
        Await.until(what + " = " + expected, WAIT, () -> fixture.server().totals(),
                totals -> total.applyAsLong(totals) == expected);
    }
}
