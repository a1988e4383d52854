package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;


/** {@code --pool undertow}: the same routes over Undertow's stock pool, and no arena use at all. */
class UndertowPoolModeTest {

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withPool(ServerConfig.PoolKind.UNDERTOW)
            .withLimits(config.limits().withBodyInMemory(BODY_IN_MEMORY, TEMP_DIR)));
    private static final int BODY_IN_MEMORY = 64 * 1024;
    private static final Path TEMP_DIR = BodyTestSupport.createDir("undertow-pool-mode-test");

    @Test
    void servesTheSameRoutesWithoutTouchingTheArena() throws Exception {
        byte[] body = new byte[70_000];
        new Random(3).nextBytes(body);
        try (RawHttp http = fixture.connect()) {
            http.send(RawHttp.concat(RawHttp.get("/hello"), RawHttp.post("/echo", "a/b", body), RawHttp.get("/bytes/30000")));
            assertEquals("hello\n", http.read().text());
            assertArrayEquals(body, http.read().body());
            assertArrayEquals(ServerRoutesTest.pattern(30000), http.read().body());
            assertArrayEquals(body, http.exchange(RawHttp.post("/echo?mode=blocking", "a/b", body)).body());
            assertEquals(200, http.exchange(RawHttp.post("/upload", "a/b", body)).status());
        }
        assertEquals(0, fixture.server().arena().stats().reservedBytes());
        assertEquals(0, fixture.server().stats().poolsCreated());
        assertEquals(5, fixture.server().stats().requests());
    }

    @Test
    void wholeBodiesComeFromTheHeapAndTheirTempFilesGoAtTheEnd() throws Exception {
        byte[] small = BodyTestSupport.random(1000, 1);
        byte[] large = BodyTestSupport.random(3 * BODY_IN_MEMORY, 2);
        String json = BodyTestSupport.jsonArrayOfObjects(2 * BODY_IN_MEMORY);
        try (RawHttp http = fixture.connect()) {
            assertArrayEquals(small, http.exchange(RawHttp.post("/echo?mode=full", "a/b", small)).body());
            assertArrayEquals(large, http.exchange(RawHttp.post("/echo?mode=full", "a/b", large)).body());
            RawHttp.Response parsed = http.exchange(RawHttp.post("/json", "application/json",
                    json.getBytes(StandardCharsets.US_ASCII)));
            assertEquals(200, parsed.status(), parsed.text());
            assertTrue(parsed.text().startsWith("{\"bytes\":" + json.length() + ","), parsed.text());
        }
        assertEquals(2, fixture.server().stats().bodySpills());
        BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
        assertEquals(0, fixture.server().arena().stats().reservedBytes());
    }
}
