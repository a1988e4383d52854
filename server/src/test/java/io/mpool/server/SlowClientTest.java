package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.RequestLimits;
import io.mpool.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.RegisterExtension;


/**
 * Our own slowloris, slow-body and slow-read clients against a server with short timeouts: while
 * they trickle, other clients are served; the server closes every slow connection (head: parse
 * timeout; body: 408 below the minimum rate; an answer the client does not read: write timeout);
 * afterwards every pool is back. No timing is asserted, only outcomes.
 */
class SlowClientTest {

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withLimits(RequestLimits.DEFAULTS
            .withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofSeconds(10))
            .withBody(2_000, 4)));

    @Test
    void slowClientsAreCutOffAndOthersAreServedMeanwhile(TestReporter reporter) throws Exception {
        attack(4, 4, reporter);
    }

    @Test
    @Tag("slow")
    void manySlowClientsAreCutOffAndOthersAreServedMeanwhile(TestReporter reporter) throws Exception {
        attack(20, 20, reporter);
    }

    private void attack(int slowHeads, int slowBodies, TestReporter reporter) throws Exception {
        ExecutorService executor = Executors.newCachedThreadPool();
        AtomicBoolean attacking = new AtomicBoolean(true);
        Map<String, Integer> slowOutcomes = new ConcurrentHashMap<>();
        try {
            List<Future<String>> slow = new ArrayList<>();
            for (int i = 0; i < slowHeads; i++) {
                slow.add(executor.submit(() -> slowHead()));
            }
            for (int i = 0; i < slowBodies; i++) {
                String path = i % 2 == 0 ? "/echo?mode=blocking" : "/upload";
                slow.add(executor.submit(() -> slowBody(path)));
            }
            // Meanwhile: ordinary clients, one request after another, all must be answered.
            Future<Map<Integer, Integer>> normal = executor.submit(() -> {
                Map<Integer, Integer> statuses = new TreeMap<>();
                byte[] body = "ping".getBytes(StandardCharsets.US_ASCII);
                while (attacking.get()) {
                    try (RawHttp http = fixture.connect()) {
                        statuses.merge(http.exchange(RawHttp.get("/hello")).status(), 1, Integer::sum);
                        statuses.merge(http.exchange(RawHttp.post("/upload", "text/plain", body)).status(), 1, Integer::sum);
                    }
                }
                return statuses;
            });
            for (Future<String> outcome : slow) {
                slowOutcomes.merge(outcome.get(60, TimeUnit.SECONDS), 1, Integer::sum);
            }
            attacking.set(false);
            Map<Integer, Integer> served = normal.get(60, TimeUnit.SECONDS);
            reporter.publishEntry("slow clients", new TreeMap<>(slowOutcomes) + "; ordinary requests meanwhile: " + served);
            assertEquals(Map.of(200, served.getOrDefault(200, 0)), served, "every ordinary request answered 200");
            assertTrue(served.get(200) > 10, "ordinary clients were served during the attack: " + served);
            assertEquals(slowHeads, slowOutcomes.getOrDefault("head: closed", 0), "slow heads cut off: " + slowOutcomes);
            assertEquals(slowBodies, slowOutcomes.getOrDefault("body: 408", 0) + slowOutcomes.getOrDefault("body: 503", 0),
                    "slow bodies answered 408 (or 503 past the blocking cap): " + slowOutcomes);
        } finally {
            attacking.set(false);
            executor.shutdownNow();
        }
    }

    @Test
    void aStalledBodyGets408AfterTheReadTimeoutAndAnIdleConnectionIsClosed() throws Exception {
        try (Socket stalled = fixture.socket(30_000); Socket idle = fixture.socket(30_000)) {
            stalled.getOutputStream().write("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nabc"
                    .getBytes(StandardCharsets.US_ASCII));
            idle.getOutputStream().write(RawHttp.get("/hello"));
            byte[] hello = idle.getInputStream().readNBytes(17);
            assertEquals("HTTP/1.1 200 OK\r\n", new String(hello, StandardCharsets.US_ASCII));
            // Nothing more from either: the stalled body is answered 408 once the 3 s read
            // timeout passes (checked each second), the idle keep-alive connection just closed.
            assertEquals("body: 408", ended(stalled.getInputStream(), "body"));
            idle.getInputStream().skip(1_000); // the rest of the hello answer
            assertEquals(-1, idle.getInputStream().read(), "idle connection closed");
        }
    }

    /**
     * A client that asks for 8 MB and reads none of it (a slow-read attack): once a write has
     * waited past the 3 s write timeout the connection is closed and counted, and its pool (and
     * the buffers its answer held) goes back; a client that reads is served meanwhile.
     */
    @Test
    void aClientThatStopsReadingIsClosedAfterTheWriteTimeout() throws Exception {
        try (Socket reader = new Socket()) {
            reader.setReceiveBufferSize(4096); // a small window, so the server's writes stall soon
            reader.connect(new InetSocketAddress("127.0.0.1", fixture.port()), 5_000);
            reader.setSoTimeout(30_000);
            reader.getOutputStream().write(RawHttp.get("/bytes/8000000"));
            try (RawHttp other = fixture.connect()) {
                assertEquals("hello\n", other.exchange(RawHttp.get("/hello")).text(), "others are served meanwhile");
            }
            Await.until("the stalled answer's write timeout", Duration.ofSeconds(20),
                    () -> fixture.server().stats().writeTimeouts(), timeouts -> timeouts > 0);
            assertEquals(1, fixture.server().stats().writeTimeouts(), "the stalled answer timed out");
            long received = 0;
            try {
                byte[] sink = new byte[65536];
                for (int n = reader.getInputStream().read(sink); n >= 0; n = reader.getInputStream().read(sink)) {
                    received += n;
                }
            } catch (SocketException reset) {
                // closed with its answer unread: a reset is the expected end
            }
            assertTrue(received < 8_000_000, "the connection was cut before the whole answer: " + received);
            fixture.awaitNoLivePools();
        }
    }

    /** Sends a request head one byte per 300 ms; returns how the server ended it. */
    private String slowHead() throws IOException {
        byte[] head = "GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = fixture.socket(30_000)) {
            OutputStream out = socket.getOutputStream();
            for (byte b : head) {
                try {
                    out.write(b);
                    out.flush();
                    Thread.sleep(300);
                } catch (IOException e) {
                    return "head: closed";
                } catch (InterruptedException e) {
                    return "interrupted";
                }
                if (socket.getInputStream().available() > 0) {
                    break;
                }
            }
            return ended(socket.getInputStream(), "head");
        }
    }

    /** Sends a head promising 100 kB, then 10 bytes per 300 ms (33 B/s, under the minimum). */
    private String slowBody(String path) throws IOException {
        try (Socket socket = fixture.socket(30_000)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < 100; i++) {
                try {
                    if (socket.getInputStream().available() > 0) {
                        break;
                    }
                    out.write(new byte[10]);
                    out.flush();
                    Thread.sleep(300);
                } catch (IOException e) {
                    break;
                } catch (InterruptedException e) {
                    return "interrupted";
                }
            }
            return ended(socket.getInputStream(), "body");
        }
    }

    private static String ended(InputStream in, String what) throws IOException {
        byte[] answer;
        try {
            answer = in.readAllBytes();
        } catch (SocketTimeoutException e) {
            return what + ": still open";
        } catch (SocketException e) {
            return what + ": reset";
        }
        return what + ": " + RawHttp.statusOf(answer);
    }
}
