package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's JFR events, recorded around real requests and read back from the recording file:
 * {@code mpool.PoolReset} and {@code mpool.PoolDestroyed} for a keep-alive connection,
 * {@code mpool.FramingRefused} for a smuggling-shaped request, {@code mpool.ArenaExhausted} when a
 * small arena runs out.
 */
class JfrEventsTest {
    /** Small enough that a few held uploads exhaust it, large enough for one connection's /hello. */
    private static final long ARENA = 256 * 1024;
    private static final int MAX_HOLDERS = 20;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withMemory(16384, ARENA, 128 * 1024));

    @TempDir
    Path dir;

    @Test
    void resetAndDestroyEventsCarryTheConnectionsFigures() throws Exception {
        int requests = 4;
        long connectionId;
        List<RecordedEvent> events;
        long connectedAt;
        long answeredAt = 0;
        long closedAt;
        long destroyedBy;
        try (Recording recording = record()) {
            connectedAt = System.nanoTime();
            try (RawHttp http = fixture.connect()) {
                for (int i = 0; i < requests; i++) {
                    assertEquals(200, http.exchange(RawHttp.get("/bytes/1000")).status());
                    answeredAt = i == 0 ? System.nanoTime() : answeredAt;
                }
                connectionId = fixture.admin("/admin/pools", null).json().path("connections").get(0).path("id").asLong();
                closedAt = System.nanoTime();
            }
            fixture.awaitAllPoolsDestroyed();
            destroyedBy = System.nanoTime();
            events = stopAndRead(recording);
        }
        List<RecordedEvent> resets = events.stream().filter(e -> e.getEventType().getName().equals("mpool.PoolReset"))
                .filter(e -> e.getLong("connectionId") == connectionId).toList();
        List<RecordedEvent> destroyed = events.stream()
                .filter(e -> e.getEventType().getName().equals("mpool.PoolDestroyed"))
                .filter(e -> e.getLong("connectionId") == connectionId).toList();
        assertEquals(1, events.stream().filter(e -> e.getEventType().getName().equals("mpool.PoolDestroyed")).count(),
                "the admin request made no pool: " + events);
        assertEquals(1, destroyed.size(), "one destroy for connection " + connectionId + ": " + events);
        RecordedEvent destroy = destroyed.get(0);
        assertEquals(requests, destroy.getLong("requests"));
        assertEquals(resets.size(), destroy.getLong("resets"), "one event per reset: " + resets);
        assertTrue(resets.size() >= requests - 1, "at most the last request end waits for the destroy: " + resets);
        long covered = resets.stream().mapToLong(e -> e.getInt("requestsCovered")).sum();
        assertTrue(covered >= resets.size() && covered <= requests, "each reset covers at least its own request end,"
                + " together at most every request: " + covered + " " + resets);
        assertEquals(destroy.getLong("resetsCoalesced"), requests - resets.size(),
                "request ends not reset on their own were coalesced: " + resets);
        assertTrue(destroy.getString("remote").contains("127.0.0.1"), destroy.getString("remote"));
        assertTrue(destroy.getLong("bytesReserved") >= 4096, "at least the pool's node: " + destroy);
        // The pool lived at least from the first answer to the client's close, and at most from
        // before the connect to after the destroy was seen (whole milliseconds of the wall clock: 1 ms slack).
        long lifetimeMillis = destroy.getDuration("lifetime").toMillis();
        long leastMillis = (closedAt - answeredAt) / 1_000_000 - 1;
        long mostMillis = (destroyedBy - connectedAt) / 1_000_000 + 1;
        assertTrue(lifetimeMillis >= leastMillis && lifetimeMillis <= mostMillis, "lifetime " + lifetimeMillis
                + " ms within what the client saw: " + leastMillis + ".." + mostMillis + " ms");
        for (RecordedEvent reset : resets) {
            assertTrue(reset.getLong("bytesInUseBefore") > 0, "each request used pool memory: " + reset);
            assertTrue(reset.getInt("nodes") >= 1, reset.toString());
            assertTrue(reset.getInt("requestsCovered") >= 1, reset.toString());
            assertTrue(reset.getInt("largeFreed") >= 0, reset.toString());
            assertFalse(reset.getDuration("deferred").isNegative(), reset.toString());
        }
    }

    @Test
    void aFramingRefusalIsAnEventWithItsStatusAndReason() throws Exception {
        List<RecordedEvent> events;
        try (Recording recording = record()) {
            RawHttp.Exchange answer = RawHttp.sendAll(fixture.port(), "GET /hello HTTP/1.1\r\nHost: t\r\n"
                    + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 10_000);
            assertEquals(List.of(400), answer.statuses(), answer.text());
            events = stopAndRead(recording);
        }
        List<RecordedEvent> refusals = events.stream()
                .filter(e -> e.getEventType().getName().equals("mpool.FramingRefused")).toList();
        assertEquals(1, refusals.size(), events.toString());
        RecordedEvent refused = refusals.get(0);
        assertEquals(400, refused.getInt("status"));
        assertTrue(refused.getBoolean("inHead"));
        assertTrue(refused.getString("reason").toLowerCase().contains("transfer-encoding"), refused.getString("reason"));
        assertTrue(refused.getString("remote").contains("127.0.0.1"), refused.getString("remote"));
    }

    @Test
    void anExhaustedArenaIsAnEventWithTheRequestAndTheBound() throws Exception {
        List<RecordedEvent> events;
        List<Socket> holders = new ArrayList<>();
        try (Recording recording = record()) {
            try {
                for (int i = 0; i < MAX_HOLDERS && fixture.server().arena().stats().exhaustions() == 0; i++) {
                    Socket socket = fixture.socket(10_000);
                    holders.add(socket);
                    try {
                        socket.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000"
                                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        socket.getOutputStream().write(new byte[20_000]);
                    } catch (SocketException refused) {
                        // this one found the arena exhausted and was answered 503 and closed
                    }
                    fixture.awaitReadByServer(holders.get(holders.size() - 1));
                }
            } finally {
                for (Socket socket : holders) {
                    socket.setSoLinger(true, 0);
                    socket.close();
                }
            }
            fixture.awaitAllPoolsDestroyed();
            events = stopAndRead(recording);
        }
        long exhaustions = fixture.server().arena().stats().exhaustions();
        assertTrue(exhaustions > 0, "the arena ran out within " + MAX_HOLDERS + " uploads");
        List<RecordedEvent> exhausted = events.stream()
                .filter(e -> e.getEventType().getName().equals("mpool.ArenaExhausted")).toList();
        assertEquals(exhaustions, exhausted.size(), "one event per exhaustion: " + exhausted);
        RecordedEvent first = exhausted.get(0);
        assertEquals(ARENA, first.getLong("maxBytes"));
        assertTrue(first.getLong("reservedBytes") <= ARENA, first.toString());
        assertTrue(first.getInt("requestedBytes") > 0, first.toString());
        assertFalse(first.getBoolean("fallback"), "policy fail: refused, " + first);
        assertTrue(first.getStackTrace() != null && !first.getStackTrace().getFrames().isEmpty(),
                "the stack shows who asked");
    }

    /** A recording of the four mpool events only (a recording without settings records no JDK event). */
    private static Recording record() {
        Recording recording = new Recording();
        for (String name : List.of("mpool.PoolReset", "mpool.PoolDestroyed", "mpool.FramingRefused",
                "mpool.ArenaExhausted")) {
            recording.enable(name);
        }
        recording.start();
        return recording;
    }

    private List<RecordedEvent> stopAndRead(Recording recording) throws Exception {
        recording.stop();
        Path file = dir.resolve("events.jfr");
        recording.dump(file);
        assertTrue(Files.size(file) > 0);
        return RecordingFile.readAllEvents(file);
    }
}
