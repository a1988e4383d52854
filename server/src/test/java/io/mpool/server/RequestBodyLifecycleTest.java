package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.server.config.ServerConfig;
import io.mpool.server.demo.Routes;
import io.mpool.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A whole body's life past its request: retained and read on a worker thread after the response,
 * the connection's reset waiting for its release (and saying why on the admin view), use after
 * the final release, a retain never released (revoked when the connection closes), and the temp
 * files at server stop.
 */
class RequestBodyLifecycleTest {
    private static final int LIMIT = 64 * 1024;
    private static final Path TEMP_DIR = BodyTestSupport.createDir("request-body-lifecycle-test");
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private final BodyTestRoutes routes = new BodyTestRoutes(() -> this.fixture.server());

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(
            config -> config.withLimits(config.limits().withBodyInMemory(LIMIT, TEMP_DIR)), routes);

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {5000, 3 * LIMIT})
    void aRetainedBodyIsReadOnAWorkerAfterTheResponseAndTheResetWaitsForItsRelease(int size) throws Exception {
        byte[] body = BodyTestSupport.random(size, size);
        boolean spilled = size > LIMIT;
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response answer = http.exchange(RawHttp.post("/test/retain", "a/b", body));
            assertEquals(202, answer.status());
            BodyView view = routes.retained.poll(10, TimeUnit.SECONDS);
            JsonNode connection = awaitConnection("a reset pending on one region hold",
                    c -> c.path("resetPending").asBoolean() && c.path("regionHolds").asInt() == 1);
            assertTrue(connection.path("resetPendingReason").asText().contains("request body (" + size + " bytes)"),
                    connection.toString());
            assertEquals(spilled ? 0 : size, connection.path("bodyBytesInMemory").asLong(), connection.toString());
            assertEquals(spilled ? size : 0, connection.path("bodyBytesOnDisk").asLong(), connection.toString());
            assertEquals(spilled ? 1 : 0, BodyTestSupport.tempFiles(TEMP_DIR).size(), "the file lives while retained");
            assertThrows(IllegalStateException.class, view::asByteBuffers, "buffers only while the request runs");

            byte[] read = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = view.inputStream()) {
                    ByteArrayOutputStream all = new ByteArrayOutputStream();
                    in.transferTo(all);
                    return all.toByteArray();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    view.release();
                }
            }, worker).get(10, TimeUnit.SECONDS);
            assertArrayEquals(body, read, "read on a worker after the response, byte for byte");

            connection = awaitConnection("no reset pending", c -> !c.path("resetPending").asBoolean());
            assertEquals(0, connection.path("regionHolds").asInt());
            assertEquals(0, connection.path("bodyBytesInMemory").asLong());
            BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);

            long id = connection.path("id").asLong();
            IllegalStateException used = assertThrows(IllegalStateException.class, view::inputStream);
            assertEquals("inputStream() on the request body of connection " + id + " after its final release",
                    used.getMessage());
            assertThrows(IllegalStateException.class, view::release, "a release too many");
            assertEquals(size, view.size(), "the size stays readable");
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "the connection goes on");
        } finally {
            worker.shutdownNow();
        }
    }

    @Test
    void aRetainNeverReleasedIsRevokedWhenItsConnectionClosesAndItsMemoryComesBack() throws Exception {
        BodyView view;
        try (RawHttp http = fixture.connect()) {
            assertEquals(202, http.exchange(RawHttp.post("/test/retain", "a/b", new byte[3 * LIMIT])).status());
            view = routes.retained.poll(10, TimeUnit.SECONDS);
            awaitConnection("a reset pending", c -> c.path("resetPending").asBoolean());
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(1, fixture.server().stats().retainsLeaked(), "counted as a leak");
        IllegalStateException revoked = assertThrows(IllegalStateException.class, () -> view.inputStream().read());
        assertTrue(revoked.getMessage().contains("revoked when its connection closed"), revoked.getMessage());
        assertFalse(view.release(), "the holder's late release frees nothing: the revoke did");
        IllegalStateException overReleased = assertThrows(IllegalStateException.class, view::release);
        assertTrue(overReleased.getMessage().contains("retains=0 revoked"), overReleased.getMessage());
        BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
    }

    @Test
    void serverStopDeletesTheTempFilesOfBodiesBeingReadAndRetained() throws Exception {
        AtomicReference<MpoolServer> holder = new AtomicReference<>();
        BodyTestRoutes ownRoutes = new BodyTestRoutes(holder::get);
        MpoolServer server = MpoolServer.create(ServerConfig.defaults(0, 0).withLimits(ServerConfig.defaults(0, 0)
                .limits().withBodyInMemory(LIMIT, TEMP_DIR)), ownRoutes.apply(new Routes(null)));
        holder.set(server.start());
        try (RawHttp reading = new RawHttp(server.port()); RawHttp retaining = new RawHttp(server.port())) {
            assertEquals(202, retaining.exchange(RawHttp.post("/test/retain", "a/b", new byte[2 * LIMIT])).status());
            OutputStream out = reading.output();
            out.write(("POST /echo?mode=full HTTP/1.1\r\nHost: t\r\nContent-Length: " + 10 * LIMIT + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[2 * LIMIT]);
            out.flush();
            BodyTestSupport.awaitLive(server, TEMP_DIR, 2);
            String line = server.stop(Duration.ofMillis(200));
            assertTrue(line.contains("pagesOutstanding=0"), line);
            assertEquals(0, server.stats().bodyTempFilesLive());
            assertEquals(List.of(), BodyTestSupport.tempFiles(TEMP_DIR), "no temp file after stop");
            assertEquals(0, server.arena().stats().pagesInUse());
            assertEquals(1, server.stats().retainsLeaked(), "the retain never released");
            BodyView view = ownRoutes.retained.poll(1, TimeUnit.SECONDS);
            assertThrows(IllegalStateException.class, view::inputStream);
        } finally {
            server.stop(Duration.ofMillis(100));
        }
    }

    @Test
    void theAdminViewCountsSpillsAndTempFiles() throws Exception {
        try (RawHttp http = fixture.connect()) {
            assertEquals(200, http.exchange(RawHttp.post("/echo?mode=full", "a/b", new byte[LIMIT + 1])).status());
            assertEquals(200, http.exchange(RawHttp.post("/echo?mode=full", "a/b", new byte[LIMIT])).status());
        }
        BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
        JsonNode totals = fixture.admin("/admin/pools", null).json().path("totals");
        assertEquals(1, totals.path("bodySpills").asLong(), totals.toString());
        assertEquals(LIMIT + 1, totals.path("bodySpillBytes").asLong(), totals.toString());
        assertEquals(0, totals.path("bodyTempFilesLive").asLong(), totals.toString());
        assertEquals(0, totals.path("bodyTooLarge").asLong(), totals.toString());
        assertEquals(0, totals.path("retainsLeaked").asLong(), totals.toString());
    }

    @Test
    void releaseSaysWhetherItFreedTheBodyAndAnOverReleaseThrowsNamingTheView() throws Exception {
        try (RawHttp http = fixture.connect()) {
            assertEquals(202, http.exchange(RawHttp.post("/test/retain", "a/b", new byte[1000])).status());
            BodyView view = routes.retained.poll(10, TimeUnit.SECONDS);
            long id = awaitConnection("a reset pending", c -> c.path("resetPending").asBoolean()).path("id").asLong();
            view.retain(); // a second holder
            assertFalse(view.release(), "the other retain still holds it");
            assertEquals(3, view.inputStream().read(new byte[3]), "still readable");
            assertTrue(view.release(), "the last reference: this release freed it");
            awaitConnection("the reset done", c -> !c.path("resetPending").asBoolean());
            IllegalStateException over = assertThrows(IllegalStateException.class, view::release);
            assertEquals("release() on the request body of connection " + id + " (size=1000 inMemory=true references=0"
                    + " retains=0 requestEnded) without a retain() to pair it with (released once more than retained;"
                    + " the request's own reference is the server's)", over.getMessage());
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "the connection goes on");
        }
    }

    /** A handler cannot drop the request's own reference: the body stays readable for the request. */
    @Test
    void aReleaseWithoutARetainDuringTheRequestThrowsAndFreesNothing() throws Exception {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response answer = http.exchange(RawHttp.post("/test/release-unretained", "a/b", new byte[5000]));
            assertEquals(200, answer.status(), answer.text());
            assertTrue(answer.text().startsWith("release() on the request body of connection "), answer.text());
            assertTrue(answer.text().contains("(size=5000 inMemory=true references=1 retains=0)"), answer.text());
            assertTrue(answer.text().contains("\nread 3 bytes after it"), answer.text());
        }
    }

    /** Polls the admin view until the one live connection matches {@code condition}. */
    private JsonNode awaitConnection(String description, Predicate<JsonNode> condition) {
        JsonNode connections = Await.until("one live connection with " + description, SETTLE,
                () -> fixture.admin("/admin/pools", null).json().path("connections"),
                live -> live.size() == 1 && condition.test(live.get(0)));
        return connections.get(0);
    }
}
